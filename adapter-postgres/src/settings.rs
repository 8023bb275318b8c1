//! How the store reaches its server: the connection URL (a secret: it may
//! carry the password), the pool's size and waits, and the timeouts every
//! session starts with.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Everything [`crate::PgStore::open`] needs.
///
/// `Debug` shows the URL as `[REDACTED]`; [`PgSettings::redacted_url`] is the
/// form to log.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// `postgres://user:password@host:port/database?sslmode=...`.
    pub url: SecretString,
    /// Connections in the pool. Default: 10. At least 1.
    pub max_connections: u32,
    /// How long an operation waits for a free pooled connection before
    /// failing as "busy". Default: 5 s.
    pub acquire_timeout: Duration,
    /// The longest a statement may run before the server cancels it
    /// (`statement_timeout`). Default: 30 s; `None` keeps the server's.
    pub statement_timeout: Option<Duration>,
    /// The longest a statement waits for a row or table lock (`lock_timeout`).
    /// Default: 10 s; `None` keeps the server's.
    pub lock_timeout: Option<Duration>,
    /// What the server shows in `pg_stat_activity`. Default: `booking`.
    pub application_name: String,
}

impl PgSettings {
    /// The defaults for the database at `url`.
    pub fn new(url: SecretString) -> Self {
        Self {
            url,
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
            lock_timeout: Some(Duration::from_secs(10)),
            application_name: "booking".to_owned(),
        }
    }

    /// The URL with its password, if any, replaced by `***`: safe for logs
    /// and error messages.
    pub fn redacted_url(&self) -> String {
        redact(self.url.expose_secret())
    }
}

/// `url` with the password of its user information replaced by `***`.
///
/// Parsed by hand (no URL crate for one field): the user information is what
/// lies between `://` and the last `@` before the path.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL (a key=value string, say): nothing can be told apart from
        // a password, so show nothing of it.
        return "[unparsed connection string]".to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_reaches_the_redacted_url() {
        assert_eq!(
            redact("postgres://booking:s3cr%40t@db.example:5432/booking?sslmode=require"),
            "postgres://booking:***@db.example:5432/booking?sslmode=require"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(redact("postgres://localhost/x"), "postgres://localhost/x");
        assert_eq!(
            redact("host=db password=hunter2"),
            "[unparsed connection string]"
        );
    }

    #[test]
    fn debug_of_the_settings_hides_the_url() {
        let settings = PgSettings::new("postgres://u:hunter2@h/d".into());
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert!(!settings.redacted_url().contains("hunter2"));
    }
}
