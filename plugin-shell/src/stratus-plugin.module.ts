import { NgModule } from '@angular/core';
import { RouterModule } from '@angular/router';

import { StratusShellComponent } from './stratus-shell.component';

/**
 * The module `manifest.json` names: the portal loads it at the extension point's route
 * (`navigation:primary`, route `stratus`) and shows the shell there.
 */
@NgModule({
  declarations: [StratusShellComponent],
  imports: [RouterModule.forChild([{ path: '', component: StratusShellComponent }])],
})
export class StratusPluginModule {}
