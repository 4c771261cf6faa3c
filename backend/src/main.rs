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
use stratus::host::{lambda, replica, server};
use stratus::package_cli::{self, KeysCommand, PackageCommand};
use stratus::{AppState, app};
use stratus_core::Store;
use stratus_core::demo;
use stratus_core::tenancy::OrgName;
use stratus_core::tokens;

#[derive(Parser)]
#[command(name = "stratus", version, about = "Functions, autoscale and showback for VMware Cloud Director")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(Box<ServeArgs>),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Apply pending database migrations and exit.
    Migrate(DataArgs),
    /// Showback data.
    #[command(subcommand)]
    Showback(ShowbackCommand),
    /// Install Stratus into VMware Cloud Director, or remove it.
    #[command(subcommand)]
    Vcd(VcdCommand),
    /// Content packages: export, expand, build, sign, verify, inspect.
    Package {
        #[command(subcommand)]
        command: PackageCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// The keys this instance trusts to sign packages, and signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// A sandbox worker process (started by the server, not by people).
    #[command(hide = true)]
    Worker,
}

#[derive(Args, Clone)]
struct DataArgs {
    /// Directory for the embedded SQLite database.
    #[arg(long, env = "STRATUS_DATA_DIR", default_value = "./stratus-data", global = true)]
    data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Address to listen on.
    #[arg(long, env = "STRATUS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// This instance's environment (`dev`, `test`, `prod`…): which value of a package's
    /// configuration elements it takes (else their `default`); exports write it.
    #[arg(long, env = "STRATUS_ENVIRONMENT", default_value = "default")]
    environment: String,
    /// Serve the web UI from this directory instead of the copy built into the binary (for UI
    /// development: `cargo xtask build` writes target/web).
    #[arg(long, env = "STRATUS_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Also serve Prometheus metrics at http://ADDR/metrics without credentials (keep it on
    /// loopback or an internal network). On the API port, /metrics needs a provider token.
    #[arg(long, env = "STRATUS_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Seed demo orgs, data and tokens, and print ready-to-open URLs.
    #[arg(long)]
    demo: bool,
    /// Seconds between showback collector scheduler ticks; 0 turns the scheduler off.
    #[arg(long, env = "STRATUS_COLLECTOR_TICK", default_value_t = 30)]
    collector_tick: u64,
    /// Sandbox worker processes that run function code.
    #[arg(long, env = "STRATUS_WORKERS", default_value_t = stratus::config::default_workers())]
    workers: usize,
    #[command(flatten)]
    vcd: VcdArgs,
    /// How callers authenticate: `token` (Stratus API tokens) or `vcd` (vCD session tokens,
    /// checked with the vCD at --vcd-url; Stratus API tokens keep working alongside).
    #[arg(long, env = "STRATUS_AUTH", default_value = "token")]
    auth: stratus::config::AuthMode,
    /// Seconds a checked vCD token is trusted before vCD is asked again (vcd auth mode).
    #[arg(long, env = "STRATUS_VCD_AUTH_CACHE_SECS", default_value_t = 30)]
    vcd_auth_cache_secs: u64,
    /// Origins whose pages may call the API (comma list), e.g. the vCD portal https://vcd.example.com.
    #[arg(long = "cors-origin", env = "STRATUS_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Seconds between autoscale loop rounds (resume interrupted actions, re-evaluate rules held
    /// by a cooldown or the stabilization window); 0 turns the loop off.
    #[arg(long, env = "STRATUS_AUTOSCALE_TICK", default_value_t = 15)]
    autoscale_tick: u64,
    /// Seconds a replica owns a rule's running action before another may resume it.
    #[arg(long, env = "STRATUS_AUTOSCALE_LEASE_SECS", default_value_t = 60)]
    autoscale_lease_secs: u64,
    #[command(flatten)]
    replicas: stratus::host::replica::ReplicaArgs,
    #[command(flatten)]
    notifications: stratus::host::notifications::NotificationArgs,
    #[command(flatten)]
    amqp: Box<stratus::host::amqp::AmqpArgs>,
}

/// The vCD autoscale rules act on, and Stratus' service account there.
#[derive(Args, Clone)]
struct VcdArgs {
    /// vCD base URL, e.g. https://vcd.example.com; without it autoscaling answers vcd_unavailable.
    #[arg(long, env = "STRATUS_VCD_URL")]
    vcd_url: Option<String>,
    /// Service account as user@org (a System administrator sees every tenant's objects).
    #[arg(long, env = "STRATUS_VCD_USER", default_value = "administrator@System")]
    vcd_user: String,
    /// The service account's password.
    #[arg(long, env = "STRATUS_VCD_PASSWORD", hide_env_values = true, default_value = "")]
    vcd_password: String,
    /// Sends every vCD call with this API version (e.g. 38.1) instead of negotiating: by default
    /// the highest version both sides support, at least each call's floor.
    #[arg(long, env = "STRATUS_VCD_API_VERSION", default_value = "")]
    vcd_api_version: String,
}

impl VcdArgs {
    fn endpoint(&self) -> anyhow::Result<Option<stratus_core::vcd::VcdEndpoint>> {
        let Some(url) = &self.vcd_url else { return Ok(None) };
        let (user, org) = self
            .vcd_user
            .split_once('@')
            .with_context(|| format!("--vcd-user '{}' must be user@org, e.g. administrator@System", self.vcd_user))?;
        Ok(Some(stratus_core::vcd::VcdEndpoint {
            url: url.trim_end_matches('/').to_owned(),
            user: user.to_owned(),
            org: org.to_owned(),
            password: self.vcd_password.clone(),
            api_version: self.vcd_api_version.clone(),
        }))
    }
}

#[derive(Subcommand)]
enum VcdCommand {
    /// Upload and publish the UI plugin and register the API routing; upgrades in place.
    Deploy(VcdDeployArgs),
    /// Remove the plugin, the external endpoint and its API filters, and the extension service.
    Undeploy {
        #[command(flatten)]
        login: VcdLoginArgs,
        /// Read the plugin's name and vendor from this zip (default: Stratus by Stratus).
        #[arg(long)]
        plugin: Option<PathBuf>,
    },
}

#[derive(Args)]
struct VcdLoginArgs {
    /// vCD base URL, e.g. https://vcd.example.com.
    #[arg(long)]
    url: String,
    /// A System administrator: user or user@System.
    #[arg(long)]
    user: String,
    /// The environment variable holding the password.
    #[arg(long, default_value = "STRATUS_VCD_PASSWORD")]
    password_env: String,
    /// Sends every call with this API version (e.g. 38.1) instead of negotiating one with vCD.
    #[arg(long, env = "STRATUS_VCD_API_VERSION", default_value = "")]
    vcd_api_version: String,
}

#[derive(Args)]
struct VcdDeployArgs {
    #[command(flatten)]
    login: VcdLoginArgs,
    /// `all`, or a comma-separated list of org names.
    #[arg(long, default_value = "all")]
    tenants: String,
    /// The plugin zips' directory (`cargo xtask plugin` builds one zip per vCD portal: deploy
    /// picks the one this vCD hosts), or one zip.
    #[arg(long, default_value = "target/plugin")]
    plugin: PathBuf,
    /// How vCD routes the UI's API calls: `ext-api` (external endpoint) or `amqp` (extension service).
    #[arg(long, default_value = "ext-api", value_parser = ["ext-api", "amqp"])]
    routing: String,
    /// The Stratus root URL vCD proxies /ext-api/stratus/… to (ext-api routing), e.g. https://stratus.example.com.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// Do not register the certificate --endpoint-url presents as trusted in vCD (ext-api
    /// routing); it must then be trusted by hand.
    #[arg(long)]
    no_trust_cert: bool,
    /// The AMQP exchange (declared, type direct) of the extension service (amqp routing).
    #[arg(long, default_value = "vcdext")]
    amqp_exchange: String,
    /// The extension service's AMQP routing key (amqp routing).
    #[arg(long, default_value = "stratus")]
    amqp_routing_key: String,
}

#[derive(Subcommand)]
enum ShowbackCommand {
    /// Import usage records from a CSV or JSON file (header `date,org,service,resource,quantity,
    /// unit,cost,currency`); prints the outcome as JSON on stdout.
    Import {
        file: PathBuf,
        /// Import the good rows of a file that has bad ones (default: reject the whole file).
        #[arg(long)]
        skip_invalid: bool,
        /// Stored as the records' source; part of each record's key.
        #[arg(long, default_value = "import")]
        source: String,
        #[command(flatten)]
        data: DataArgs,
    },
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

fn main() -> anyhow::Result<()> {
    // A worker must not start the async runtime or logging: it only runs function code.
    if std::env::args().nth(1).as_deref() == Some("worker") {
        return sandbox::worker::run_worker().context("sandbox worker");
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    init_tracing();
    if lambda::is_lambda() {
        return run_lambda().await;
    }
    match Cli::parse().command {
        Command::Serve(args) => serve(*args).await,
        Command::Token(command) => token(command).await,
        Command::Showback(ShowbackCommand::Import { file, skip_invalid, source, data }) => {
            showback_import(&file, skip_invalid, &source, &data).await
        }
        Command::Vcd(command) => vcd(command).await,
        Command::Package { command, data } => {
            package_cli::package(command, async || open_store(&config(&data)).await).await
        }
        Command::Keys { command, data } => package_cli::keys(command, async || open_store(&config(&data)).await).await,
        Command::Worker => unreachable!("handled before the runtime starts"),
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
    Config { database_url: data.database_url.clone(), ..Config::with_data_dir(&data.data_dir) }
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
    config.workers = args.workers;
    config.vcd = args.vcd.endpoint()?;
    if args.auth == stratus::config::AuthMode::Vcd && config.vcd.is_none() {
        bail!("--auth vcd checks callers with a vCD: give its URL with --vcd-url (STRATUS_VCD_URL)");
    }
    config.auth.mode = args.auth;
    config.auth.cache_ttl = std::time::Duration::from_secs(args.vcd_auth_cache_secs);
    config.cors_origins = args.cors_origins;
    config.environment = args.environment;
    config.autoscale.lease_ttl = std::time::Duration::from_secs(args.autoscale_lease_secs.max(1));
    args.replicas.apply(&mut config);
    let store = open_store(&config).await?;
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let config_vcd = config.vcd.clone();
    let state = AppState::build(config, store.clone()).await.context("starting sandbox workers")?;
    if args.demo {
        print_demo(&state, &base).await?;
    }
    if args.collector_tick > 0 {
        state.showback.spawn_scheduler(std::time::Duration::from_secs(args.collector_tick));
    }
    if args.autoscale_tick > 0 {
        state.autoscale.clone().spawn_loop(std::time::Duration::from_secs(args.autoscale_tick));
    }
    let notifications = stratus::host::notifications::start(&state, &args.notifications).map_err(anyhow::Error::msg)?;
    tracing::info!(%addr, database = store.backend().as_str(), "Stratus listening");
    eprintln!("Stratus is running at {base}  (Ctrl-C stops it)");
    if let Some(metrics_addr) = args.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .with_context(|| format!("binding the metrics listener {metrics_addr}"))?;
        eprintln!("Prometheus metrics at http://{}/metrics (no credentials)", metrics.local_addr()?);
        let metrics_app = stratus::http::metrics_app(state.clone());
        tokio::spawn(async move { server::serve(metrics, metrics_app, std::future::pending()).await });
    }
    let router = app(state.clone());
    let amqp = stratus::host::amqp::start(router.clone(), store.clone(), &args.amqp, config_vcd.as_ref())
        .map_err(anyhow::Error::msg)?;
    replica::serve(listener, router, state.clone(), &args.replicas).await?;
    if let Some(bridge) = amqp {
        bridge.shutdown().await;
    }
    notifications.shutdown().await;
    replica::finish(&state, args.replicas.grace()).await;
    store.close().await;
    Ok(())
}

async fn print_demo(state: &AppState, base: &str) -> anyhow::Result<()> {
    let store = &state.store;
    let records = demo::seed(store, chrono::Utc::now().date_naive()).await.context("seeding demo data")?;
    let functions = demo::seed_functions(&state.functions).await.map_err(anyhow::Error::msg)?;
    eprintln!("Demo data: {} orgs, {records} usage records, {functions} new functions", demo::DEMO_ORGS.len());
    if state.config.vcd.is_some() {
        match demo::seed_autoscale(&state.autoscale).await {
            Ok(Some(rule)) => eprintln!("Demo autoscale rule for acme: {rule}"),
            Ok(None) => {}
            Err(err) => eprintln!("No demo autoscale rule: {err}"),
        }
    }
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

async fn showback_import(
    file: &std::path::Path,
    skip_invalid: bool,
    source: &str,
    data: &DataArgs,
) -> anyhow::Result<()> {
    use stratus::showback_cli as cli;
    use stratus_core::showback::collectors::import::ImportError;
    let store = open_store(&config(data)).await?;
    let outcome = cli::import_with_progress(&store, file, source, skip_invalid).await;
    store.close().await;
    match outcome {
        Ok(result) => {
            for error in &result.errors {
                eprintln!("skipped {}", cli::describe(error));
            }
            eprintln!(
                "{}: {} imported, {} replaced, {} unchanged, {} skipped",
                file.display(),
                result.imported,
                result.replaced,
                result.unchanged,
                result.skipped
            );
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
        Err(ImportError::Rejected { errors, bad_rows }) => {
            for error in &errors {
                eprintln!("{}", cli::describe(error));
            }
            bail!(
                "{}: {bad_rows} bad rows; nothing was imported (--skip-invalid imports the good ones)",
                file.display()
            )
        }
        Err(err) => Err(err).with_context(|| format!("importing {}", file.display())),
    }
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
            for t in tokens::list(&store).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                let created = stratus_core::dates::rfc3339_from_millis(t.created_at);
                let org = t.org.unwrap_or_else(|| "-".into());
                println!("{:<18} {:<13} {:<16} {:<12} {:<25} {state}", t.token_id, t.role, org, t.name, created);
            }
        }
        TokenCommand::Revoke { token_id, data } => {
            let store = open_store(&config(&data)).await?;
            if !tokens::revoke(&store, &token_id).await? {
                bail!("no active token with id '{token_id}'");
            }
            eprintln!("revoked {token_id}");
        }
    }
    Ok(())
}

async fn vcd(command: VcdCommand) -> anyhow::Result<()> {
    use stratus::deploy::{self, PluginPackage, Routing, Tenants};
    let client = |login: &VcdLoginArgs| -> anyhow::Result<vcd_client::VcdClient> {
        let password = std::env::var(&login.password_env)
            .map_err(|_| anyhow::anyhow!("set {} to the password of {}", login.password_env, login.user))?;
        Ok(deploy::connect(&login.url, &login.user, &password, &login.vcd_api_version)?)
    };
    let mut progress = |line: &str| eprintln!("✓ {line}");
    match command {
        VcdCommand::Deploy(args) => {
            let routing = match (args.routing.as_str(), &args.endpoint_url) {
                ("amqp", _) => Routing::Amqp { exchange: args.amqp_exchange, routing_key: args.amqp_routing_key },
                (_, Some(url)) => Routing::ext_api(url)?,
                (_, None) => bail!("--routing ext-api needs --endpoint-url https://… (where vCD reaches Stratus)"),
            };
            let plan = deploy::Plan {
                plugin: args.plugin,
                tenants: Tenants::parse(&args.tenants)?,
                routing,
                trust_cert: !args.no_trust_cert,
            };
            deploy::deploy(&client(&args.login)?, &plan, &mut progress).await?;
        }
        VcdCommand::Undeploy { login, plugin } => {
            let manifest = plugin.map(|path| PluginPackage::read(&path)).transpose()?.map(|p| p.manifest);
            let (name, vendor) =
                manifest.map_or((deploy::PLUGIN_NAME.into(), deploy::PLUGIN_VENDOR.into()), |m| (m.name, m.vendor));
            deploy::undeploy(&client(&login)?, &name, &vendor, &mut progress).await?;
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
    let state = AppState::build(config, store).await.context("starting sandbox workers")?;
    lambda::run(app(state)).await.map_err(|e| anyhow::anyhow!("lambda runtime: {e}"))
}
