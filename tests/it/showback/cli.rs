//! `stratus showback import FILE [--skip-invalid] [--source NAME]`.

use api_types::{CostReport, ImportResult, Role};
use harness::process::run_stratus;
use harness::{TestApp, both_databases};

const FILE: &str = "\
date,org,service,resource,quantity,unit,cost,currency
2026-04-01,acme,compute,web-01,24,vCPU-hour,0.60,EUR
2026-04-01,nobody,compute,web-01,24,vCPU-hour,0.60,EUR
2026-04-02,acme,compute,web-01,24,vCPU-hour,0.75,EUR
2026-04-03,acme,compute,web-01,-5,vCPU-hour,0.75,EUR
";

async fn the_command_imports_good_rows_with_skip_invalid(app: &TestApp) {
    let provider = app.token(Role::Provider, None).await;
    app.token(Role::TenantAdmin, Some("acme")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usage.csv");
    std::fs::write(&path, FILE).unwrap();
    let file = path.to_str().unwrap();
    let db = app.database_url.as_str();

    let strict = run_stratus(&["showback", "import", file, "--database-url", db], &[]);
    assert!(!strict.status.success(), "bad rows fail the command");
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(stderr.contains("line 3: org: unknown org 'nobody'"), "{stderr}");
    assert!(stderr.contains("line 5: quantity"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let args = ["showback", "import", file, "--skip-invalid", "--source", "cli", "--database-url", db];
    let out = run_stratus(&args, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let result: ImportResult = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((result.imported, result.skipped), (2, 2));
    assert_eq!(result.errors.iter().map(|e| e.line.unwrap()).collect::<Vec<_>>(), [3, 5]);
    let report: CostReport =
        app.get("/api/org/acme/showback/costs?from=2026-04-01&to=2026-04-30", &provider).await.json().await.unwrap();
    assert_eq!(report.total, "1.35");

    let again: ImportResult = serde_json::from_slice(&run_stratus(&args, &[]).stdout).unwrap();
    assert_eq!((again.imported, again.unchanged), (0, 2));
}
both_databases!(import_command, super::the_command_imports_good_rows_with_skip_invalid);
