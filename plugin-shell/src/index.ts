/** The plugin bundle's exports: the NgModule the manifest names (and its one component). */
export { StratusPluginModule } from './stratus-plugin.module';
export { StratusShellComponent } from './stratus-shell.component';
