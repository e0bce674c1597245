use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    if let Err(err) = color_eyre::install() {
        eprintln!("partsweep: {err}");
    }
    let cli = partsweep::cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("partsweep: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(partsweep::cli::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("partsweep: {err:#}");
            ExitCode::FAILURE
        }
    }
}
