//! A standalone sandbox worker process, used by the crate's tests (the server binary offers the
//! same loop as its hidden `stratus worker` subcommand).

fn main() -> std::io::Result<()> {
    sandbox::worker::run_worker()
}
