//! `booking hash-pin`: turns an admin PIN into the argon2id PHC string the
//! admin bot's settings take. The PIN is read from standard input (never
//! the command line, which other users and shell history can see), with
//! `BOOKING_PIN_PEPPER` mixed in when set; only the hash is printed.

use std::io::{self, BufRead, IsTerminal};

use adapter_telegram::admin::{HashPinError, hash_pin};

use super::{Exit, dotenv, fail};
use secrecy::ExposeSecret;

use crate::config::{FromEnvironment, ProcessEnvironment};

/// Runs the command.
pub fn run() -> Exit {
    if let Err(exit) = dotenv() {
        return exit;
    }
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("PIN (input is not hidden; pipe it in to keep it off the screen):");
    }
    let mut line = String::new();
    if let Err(e) = stdin.lock().read_line(&mut line) {
        return fail(Exit::Failure, format_args!("cannot read the PIN: {e}"));
    }
    let pepper = FromEnvironment::read(&ProcessEnvironment).pin_pepper;
    match hash_pin(
        line.trim(),
        pepper.as_ref().map(ExposeSecret::expose_secret),
    ) {
        Ok(hash) => {
            println!("{hash}");
            Exit::Ok
        }
        Err(e @ HashPinError::Argon2(_)) => fail(Exit::Failure, super::chain(&e)),
        Err(e) => fail(Exit::Settings, format_args!("the PIN is not accepted: {e}")),
    }
}
