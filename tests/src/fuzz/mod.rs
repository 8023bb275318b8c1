//! Fuzz harnesses: each takes arbitrary bytes, feeds them to one parser of
//! untrusted input, and asserts what must hold whatever the input. A
//! violated property panics, which is what a fuzzer reports.
//!
//! The targets and what they hold:
//!
//! | Target | Input | Property |
//! |---|---|---|
//! | `client_callback` | client bot button data | accepted data is canonical: it re-encodes to itself, within 64 bytes |
//! | `admin_callback` | admin bot button data | the same |
//! | `phone` | a typed phone number | accepted numbers are E.164 of at most 15 digits and parse back to themselves |
//! | `names_and_texts` | a typed name, comment or reason | accepted text is normalised (parsing it again changes nothing), within its length, free of control and bidirectional characters |
//! | `config_file` | a config file | a refusal is one line |
//! | `catalog_file` | a catalog import file | a refusal is one line; an accepted catalog exports and re-imports to itself |
//! | `webhook_body` | a webhook request body | an unreadable body yields only an id and a `[a-z_]` kind for the log |
//!
//! Every target treats its input as UTF-8 where the real input is text
//! (Telegram sends text as UTF-8; invalid bytes are skipped, as the real
//! parsers never see them).

mod callbacks;
mod files;
mod texts;
mod webhook;

pub use callbacks::{admin_callback, client_callback};
pub use files::{catalog_file, config_file};
pub use texts::{names_and_texts, phone};
pub use webhook::webhook_body;

/// A harness: arbitrary bytes in, a panic when a property fails.
pub type Harness = fn(&[u8]);

/// Every target, by the name of its corpus folder (`fuzz/corpus/<name>`).
pub const TARGETS: &[(&str, Harness)] = &[
    ("client_callback", client_callback),
    ("admin_callback", admin_callback),
    ("phone", phone),
    ("names_and_texts", names_and_texts),
    ("config_file", config_file),
    ("catalog_file", catalog_file),
    ("webhook_body", webhook_body),
];

/// The input as text, or `None` when it is not UTF-8.
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// An error message must be one line: it is what an operator reads before
/// the process exits, and a second line could be forged into the log.
fn one_line(what: &str, message: &str) {
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "{what}: a refusal spans lines: {message:?}"
    );
}
