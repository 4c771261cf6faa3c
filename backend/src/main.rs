//! `stratus`: the Stratus server and its admin commands.
//!
//! When `AWS_LAMBDA_RUNTIME_API` is set the process is a Lambda function and serves the same
//! Router through lambda_http, whatever its arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use api_types::Role;
use clap::{Args, Parser, Subcommand};
use stratus::config::Config;
use stratus::domain::tenancy::OrgName;
use stratus::domain::tokens;
use stratus::host::{lambda, server};
use stratus::store::Store;
use stratus::{AppState, app, demo};

#[derive(Parser)]
#[command(name = "stratus", version, about = "Functions, autoscale and showback for VMware Cloud Director")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Apply pending database migrations and exit.
    Migrate(DataArgs),
}

#[derive(Args, Clone)]
struct DataArgs {
    /// Directory for the embedded SQLite database.
    #[arg(long, env = "STRATUS_DATA_DIR", default_value = "./stratus-data")]
    data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Address to listen on.
    #[arg(long, env = "STRATUS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory of the built web UI (`cargo xtask build` writes target/web).
    #[arg(long, env = "STRATUS_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Seed demo orgs, data and tokens, and print ready-to-open URLs.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it alone on stdout (it is shown only once).
    Create {
        /// The org of a tenant-admin token (created if missing).
        #[arg(long)]
        org: Option<String>,
        /// `tenant-admin` or `provider`.
        #[arg(long)]
        role: String,
        /// A name to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke a token by its id (`tok_…`).
    Revoke {
        token_id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    if lambda::is_lambda() {
        return run_lambda().await;
    }
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Token(command) => token(command).await,
        Command::Migrate(data) => {
            open_store(&config(&data)).await?;
            eprintln!("migrations applied");
            Ok(())
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STRATUS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    if std::env::var("STRATUS_LOG_FORMAT").as_deref() == Ok("json") || lambda::is_lambda() {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn config(data: &DataArgs) -> Config {
    Config { data_dir: data.data_dir.clone(), database_url: data.database_url.clone(), web_dir: None }
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    }
    let store = Store::connect(&config.database_url()).await.context("connecting to the database")?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = config(&args.data);
    config.web_dir = args.web_dir;
    let store = open_store(&config).await?;
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    if args.demo {
        print_demo(&store, &base).await?;
    }
    tracing::info!(%addr, database = store.backend().as_str(), "Stratus listening");
    eprintln!("Stratus is running at {base}  (Ctrl-C stops it)");
    let router = app(AppState::new(config, store.clone()));
    server::serve(listener, router, server::shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

async fn print_demo(store: &Store, base: &str) -> anyhow::Result<()> {
    let records = demo::seed(store, chrono::Utc::now().date_naive()).await.context("seeding demo data")?;
    eprintln!("Demo data: {} orgs, {records} usage records", demo::DEMO_ORGS.len());
    eprintln!("Open the UI as:");
    for (org, _, _) in demo::DEMO_ORGS {
        let org_name = OrgName::parse(org).map_err(anyhow::Error::msg)?;
        let token = tokens::issue(store, Role::TenantAdmin, Some(&org_name), "demo").await?;
        eprintln!("  {:<24} {base}/#token={}", format!("{org} (tenant-admin)"), token.secret);
    }
    let token = tokens::issue(store, Role::Provider, None, "demo").await?;
    eprintln!("  {:<24} {base}/#token={}", "provider", token.secret);
    Ok(())
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { org, role, name, data } => {
            let Some(role) = Role::parse(&role) else {
                bail!("--role must be tenant-admin or provider, not '{role}'");
            };
            let org = org.map(|o| OrgName::parse(&o).map_err(|e| anyhow::anyhow!("--org '{o}' {e}"))).transpose()?;
            let store = open_store(&config(&data)).await?;
            let token = tokens::issue(&store, role, org.as_ref(), &name).await?;
            eprintln!("created {} ({}); the token is shown only now:", token.token_id, role.as_str());
            println!("{}", token.secret);
        }
        TokenCommand::List { data } => {
            let store = open_store(&config(&data)).await?;
            println!("{:<18} {:<13} {:<16} {:<12} {:<25} state", "id", "role", "org", "name", "created");
            for t in store.list_tokens().await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                let created = stratus::domain::dates::rfc3339_from_millis(t.created_at);
                let org = t.org.unwrap_or_else(|| "-".into());
                println!("{:<18} {:<13} {:<16} {:<12} {:<25} {state}", t.token_id, t.role, org, t.name, created);
            }
        }
        TokenCommand::Revoke { token_id, data } => {
            let store = open_store(&config(&data)).await?;
            if !store.revoke_token(&token_id, stratus::domain::dates::now_millis()).await? {
                bail!("no active token with id '{token_id}'");
            }
            eprintln!("revoked {token_id}");
        }
    }
    Ok(())
}

async fn run_lambda() -> anyhow::Result<()> {
    let data = DataArgs {
        data_dir: std::env::var_os("STRATUS_DATA_DIR")
            .map_or_else(|| PathBuf::from("/tmp/stratus-data"), PathBuf::from),
        database_url: std::env::var("DATABASE_URL").ok(),
    };
    let config = config(&data);
    let store = open_store(&config).await?;
    lambda::run(app(AppState::new(config, store))).await.map_err(|e| anyhow::anyhow!("lambda runtime: {e}"))
}
