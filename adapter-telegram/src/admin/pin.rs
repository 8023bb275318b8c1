//! The staff PIN: hashed with argon2id into a PHC string for the config
//! (`booking hash-pin`), and checked against it when someone signs in.
//!
//! The config holds only the hash. An optional pepper (the environment's
//! `BOOKING_PIN_PEPPER`) is argon2's secret input: without it a leaked
//! config cannot even be brute-forced offline, and a short PIN would
//! otherwise fall to a search of all 10^4..10^8 values in minutes.
//!
//! Cost: 19 MiB of memory and two passes (the OWASP minimum for argon2id).
//! A hash with weaker parameters is refused when the config is read, so a
//! hand-edited config cannot silently weaken it.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use password_hash::SaltString;
use password_hash::rand_core::OsRng;

/// The least memory, in KiB, a PIN hash must cost (19 MiB).
pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
/// Passes over the memory for new hashes.
const PASSES: u32 = 2;
/// The shortest PIN accepted, in characters. Six: a 4-digit PIN falls to
/// a hundred accounts guessing within their lockouts in hours.
pub const MIN_PIN_CHARS: usize = 6;
/// The longest PIN accepted, in characters; it also bounds what a stranger
/// can make the bot hash.
pub const MAX_PIN_CHARS: usize = 64;

/// A PIN that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPin {
    #[error("a PIN has at least {MIN_PIN_CHARS} characters")]
    TooShort,
    #[error("a PIN has at most {MAX_PIN_CHARS} characters")]
    TooLong,
    #[error("a PIN must not contain spaces or control characters")]
    Whitespace,
}

/// Why a PIN could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashPinError {
    #[error(transparent)]
    InvalidPin(#[from] InvalidPin),
    #[error("argon2 failed")]
    Argon2(#[source] Argon2Failure),
}

/// Why a stored hash cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPinHash {
    #[error("not a PHC hash string (create one with `booking hash-pin`)")]
    Malformed,
    #[error("the hash uses {algorithm}, not argon2id")]
    NotArgon2id { algorithm: String },
    #[error("the hash costs {memory_kib} KiB of memory, less than the required {MIN_MEMORY_KIB}")]
    TooCheap { memory_kib: u32 },
}

/// The error of the argon2 library, kept as the source for the log.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Argon2Failure(String);

impl From<password_hash::Error> for Argon2Failure {
    fn from(error: password_hash::Error) -> Self {
        Self(error.to_string())
    }
}

impl From<argon2::Error> for Argon2Failure {
    fn from(error: argon2::Error) -> Self {
        Self(error.to_string())
    }
}

/// A checked argon2id PHC string from the config.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash {
    phc: String,
    /// The salt, as written in the PHC string.
    salt: String,
}

impl fmt::Debug for PinHash {
    // The hash is not the PIN, but it is what an attacker would grind on:
    // keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PinHash(argon2id)")
    }
}

impl PinHash {
    /// # Errors
    /// [`InvalidPinHash`] unless an argon2id PHC string costing at least
    /// [`MIN_MEMORY_KIB`].
    pub fn parse(phc: &str) -> Result<Self, InvalidPinHash> {
        let phc = phc.trim();
        let parsed = PasswordHash::new(phc).map_err(|_| InvalidPinHash::Malformed)?;
        if parsed.algorithm != Algorithm::Argon2id.ident() {
            return Err(InvalidPinHash::NotArgon2id {
                algorithm: parsed.algorithm.to_string(),
            });
        }
        let params = Params::try_from(&parsed).map_err(|_| InvalidPinHash::Malformed)?;
        if params.m_cost() < MIN_MEMORY_KIB {
            return Err(InvalidPinHash::TooCheap {
                memory_kib: params.m_cost(),
            });
        }
        let (Some(_), Some(salt)) = (parsed.hash, parsed.salt) else {
            return Err(InvalidPinHash::Malformed);
        };
        Ok(Self {
            phc: phc.to_owned(),
            salt: salt.as_str().to_owned(),
        })
    }

    /// The PHC string, as written in the config.
    pub fn as_str(&self) -> &str {
        &self.phc
    }

    /// What a session opened with this PIN is tagged with: the hash's salt.
    /// Not secret (it is no help in guessing the PIN without the hash), and
    /// new whenever a PIN is hashed, so a changed PIN ends the sessions
    /// opened with the old one.
    pub fn credential(&self) -> &str {
        &self.salt
    }
}

/// Checks the form of a PIN: 6 to 64 characters without whitespace.
///
/// # Errors
/// [`InvalidPin`] saying what is wrong.
pub fn check_pin(pin: &str) -> Result<(), InvalidPin> {
    let chars = pin.chars().count();
    if pin.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(InvalidPin::Whitespace)
    } else if chars < MIN_PIN_CHARS {
        Err(InvalidPin::TooShort)
    } else if chars > MAX_PIN_CHARS {
        Err(InvalidPin::TooLong)
    } else {
        Ok(())
    }
}

fn hasher(pepper: Option<&str>) -> Result<Argon2<'_>, Argon2Failure> {
    let params = Params::new(MIN_MEMORY_KIB, PASSES, 1, None)?;
    Ok(match pepper {
        Some(secret) => Argon2::new_with_secret(
            secret.as_bytes(),
            Algorithm::Argon2id,
            Version::V0x13,
            params,
        )?,
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
    })
}

/// Hashes `pin` (trimmed of surrounding whitespace, e.g. the newline
/// `booking hash-pin` reads) with a fresh random salt and, when given, the
/// `pepper`, into an argon2id PHC string for the config.
///
/// # Errors
/// [`HashPinError::InvalidPin`] for an unusable PIN.
pub fn hash_pin(pin: &str, pepper: Option<&str>) -> Result<String, HashPinError> {
    let pin = pin.trim();
    check_pin(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher(pepper)
        .map_err(HashPinError::Argon2)?
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| HashPinError::Argon2(e.into()))?;
    Ok(hash.to_string())
}

/// Whether `pin` matches `hash` under `pepper`. CPU- and memory-heavy by
/// design: call it off the async runtime (`spawn_blocking`).
pub fn verify_pin(hash: &PinHash, pin: &str, pepper: Option<&str>) -> bool {
    if check_pin(pin).is_err() {
        return false;
    }
    let (Ok(parsed), Ok(argon)) = (PasswordHash::new(hash.as_str()), hasher(pepper)) else {
        return false;
    };
    // The verifier takes the cost parameters from the hash and the secret
    // from the hasher.
    argon.verify_password(pin.as_bytes(), &parsed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_pin_verifies_and_only_with_its_pepper() {
        let phc = hash_pin("246813\n", Some("Pepper-1")).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let hash = PinHash::parse(&phc).unwrap();
        assert!(verify_pin(&hash, "246813", Some("Pepper-1")));
        assert!(!verify_pin(&hash, "246814", Some("Pepper-1")));
        assert!(!verify_pin(&hash, "246813", Some("Pepper-2")));
        assert!(!verify_pin(&hash, "246813", None));
    }

    #[test]
    fn the_same_pin_hashes_differently_each_time() {
        assert_ne!(
            hash_pin("246813", None).unwrap(),
            hash_pin("246813", None).unwrap()
        );
    }

    #[test]
    fn unusable_pins_are_refused_before_hashing() {
        assert!(matches!(
            hash_pin("2468", None),
            Err(HashPinError::InvalidPin(InvalidPin::TooShort)),
        ));
        assert!(matches!(
            hash_pin("12345", None),
            Err(HashPinError::InvalidPin(InvalidPin::TooShort))
        ));
        assert!(matches!(
            hash_pin("12 34", None),
            Err(HashPinError::InvalidPin(InvalidPin::Whitespace))
        ));
        assert!(matches!(
            hash_pin(&"9".repeat(65), None),
            Err(HashPinError::InvalidPin(InvalidPin::TooLong))
        ));
    }

    #[test]
    fn a_hash_is_tagged_by_its_salt_and_a_new_hash_of_the_same_pin_is_another_credential() {
        let first = PinHash::parse(&hash_pin("246813", None).unwrap()).unwrap();
        let again = PinHash::parse(&hash_pin("246813", None).unwrap()).unwrap();

        assert!(first.as_str().contains(first.credential()));
        assert!(!first.credential().is_empty());
        assert_ne!(first.credential(), again.credential());
    }

    #[test]
    fn weak_or_foreign_hashes_are_refused() {
        assert_eq!(PinHash::parse("1234"), Err(InvalidPinHash::Malformed));
        let cheap = "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$3iHsFK8Xy6nGtOi8bYxZEjhdpQ1QBh+6N5ypyWNp0dQ";
        assert_eq!(
            PinHash::parse(cheap),
            Err(InvalidPinHash::TooCheap { memory_kib: 4096 })
        );
        let argon2i = "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$3iHsFK8Xy6nGtOi8bYxZEjhdpQ1QBh+6N5ypyWNp0dQ";
        assert!(matches!(
            PinHash::parse(argon2i),
            Err(InvalidPinHash::NotArgon2id { .. })
        ));
        assert_eq!(
            format!(
                "{:?}",
                PinHash::parse(&hash_pin("246813", None).unwrap()).unwrap()
            ),
            "PinHash(argon2id)"
        );
    }
}
