//! The `booking` binary: the composition root of the bundled deployment.
//!
//! It wires configuration, the SQLite store, the engine and the bots. The bots
//! arrive with the client-bot work (issue 5); until then it only says so.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    eprintln!(
        "booking: the Telegram bots are not built yet (see issue 5); run `cargo test --workspace` to test the engine."
    );
    std::process::ExitCode::from(2)
}
