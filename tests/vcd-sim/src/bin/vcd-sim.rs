//! `vcd-sim [--listen 127.0.0.1:8443]`: runs the vCD simulator until interrupted.

use vcd_sim::{PASSWORD, Simulator};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:8443".to_owned();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().unwrap_or(listen),
            "-h" | "--help" => {
                println!("usage: vcd-sim [--listen 127.0.0.1:8443]");
                return Ok(());
            }
            other => {
                eprintln!("unknown argument {other}; usage: vcd-sim [--listen 127.0.0.1:8443]");
                std::process::exit(2);
            }
        }
    }
    let simulator = Simulator::start_on(&listen).await?;
    println!("vCD simulator at {} (API version {})", simulator.url(), vcd_sim::API_VERSION);
    println!("credentials: administrator@System, admin@acme, admin@globex; password {PASSWORD}");
    println!(
        "controls: {}/_sim/ids, /_sim/requests, /_sim/fail-next-task, /_sim/task-duration, /_sim/tokens",
        simulator.url()
    );
    tokio::select! {
        () = simulator.serve_forever() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
