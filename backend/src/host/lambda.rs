//! AWS Lambda: the same Router behind API Gateway (HTTP API v2, REST API) or an ALB.
//!
//! lambda_http finds the Runtime API in `AWS_LAMBDA_RUNTIME_API` and strips API Gateway stage
//! prefixes when `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set.

use axum::Router;

/// The environment variable whose presence means "running inside Lambda".
pub const RUNTIME_API_ENV: &str = "AWS_LAMBDA_RUNTIME_API";

/// Whether this process was started by the Lambda runtime.
pub fn is_lambda() -> bool {
    std::env::var_os(RUNTIME_API_ENV).is_some()
}

/// Answers Lambda invocations with `app` until the runtime stops the process.
pub async fn run(app: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(app).await
}
