//! The HTTP listener's settings and webhook mode's: `[http] listen` in the
//! config file, `BOOKING_HTTP_LISTEN`, `BOOKING_WEBHOOK_URL` and
//! `BOOKING_WEBHOOK_SECRET` in the environment (docs/CONFIG.md).
//!
//! Webhook mode needs the listener: Telegram's requests arrive on it through
//! the TLS proxy. There is no default address for it, because the proxy
//! must be told the same one; a webhook URL without a listener is refused.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use secrecy::ExposeSecret;

use crate::config::{ConfigError, HttpVars};
use crate::http::connections::ConnectionLimits;
use crate::webhook::{MIN_SECRET_LENGTH, WebhookSecret, WebhookSettings, WebhookUrl};

pub use crate::config::env::{
    HTTP_LISTEN as LISTEN_VAR, WEBHOOK_SECRET as WEBHOOK_SECRET_VAR, WEBHOOK_URL as WEBHOOK_URL_VAR,
};
/// `BOOKING_HTTP_LISTEN=off` turns off a listener the file configures.
const OFF: &str = "off";

/// `[http]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSection {
    listen: Option<String>,
    metrics_listen: Option<String>,
    max_connections: Option<usize>,
    header_timeout_seconds: Option<u64>,
    body_timeout_seconds: Option<u64>,
}

/// The most connections `max_connections` may allow: each costs a file
/// descriptor (often limited to 1,024 a process) and a task.
const MOST_CONNECTIONS: usize = 10_000;
/// The longest header or body timeout: anything longer is no defence.
const LONGEST_TIMEOUT_SECONDS: u64 = 300;

/// The HTTP listener and how the bots get their updates, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpSettings {
    /// Where the listener binds; `None`: no listener.
    pub listen: Option<SocketAddr>,
    /// Where `/metrics` is served instead of on `listen`, so it can stay on
    /// an internal address while `listen` faces the TLS proxy; `None`:
    /// `/metrics` is on `listen`.
    pub metrics_listen: Option<SocketAddr>,
    /// Timeouts and the connection cap, for both listeners.
    pub limits: ConnectionLimits,
    /// Webhook mode when set (the listener is then set too); long polling
    /// otherwise.
    pub webhook: Option<WebhookSettings>,
}

impl HttpSettings {
    /// Reads `[http]` and the environment's variables (which win over the
    /// file).
    ///
    /// # Errors
    /// [`ConfigError`] naming the setting: an address that is not
    /// `IP:port`, a bad webhook URL, a missing or weak secret, or webhook
    /// mode without a listener.
    pub fn load(section: &HttpSection, vars: &HttpVars) -> Result<Self, ConfigError> {
        let listen = match &vars.listen {
            Some(raw) if raw.trim().eq_ignore_ascii_case(OFF) => None,
            Some(raw) => Some(address(LISTEN_VAR, raw)?),
            None => section
                .listen
                .as_deref()
                .map(|raw| address("http.listen", raw))
                .transpose()?,
        };
        let metrics_listen = section
            .metrics_listen
            .as_deref()
            .map(|raw| address("http.metrics_listen", raw))
            .transpose()?;
        // Port 0 (any free port) twice gives two different ports.
        if metrics_listen.is_some_and(|m| m.port() != 0) && metrics_listen == listen {
            return Err(ConfigError::invalid(
                "http.metrics_listen",
                "it is the same address as http.listen: leave it out to serve /metrics there",
            ));
        }
        let limits = section.limits()?;
        let Some(url) = &vars.webhook_url else {
            return Ok(Self {
                listen,
                metrics_listen,
                limits,
                webhook: None,
            });
        };
        let url = WebhookUrl::parse(url).map_err(|e| ConfigError::invalid(WEBHOOK_URL_VAR, e))?;
        let secret = vars
            .webhook_secret
            .as_ref()
            .ok_or(ConfigError::Missing {
                setting: WEBHOOK_SECRET_VAR,
                hint: "webhook mode (BOOKING_WEBHOOK_URL is set) needs a secret of at least 32 characters from A-Z a-z 0-9 _ -, such as the output of `openssl rand -hex 32`",
            })
            .and_then(|raw| {
                WebhookSecret::parse(raw.expose_secret())
                    .map_err(|e| ConfigError::invalid(WEBHOOK_SECRET_VAR, e))
            })?;
        if listen.is_none() {
            return Err(ConfigError::Missing {
                setting: "http.listen",
                hint: "webhook mode (BOOKING_WEBHOOK_URL is set) takes updates on the HTTP listener: set [http] listen or BOOKING_HTTP_LISTEN to the address your TLS proxy forwards to, such as 127.0.0.1:9090",
            });
        }
        Ok(Self {
            listen,
            metrics_listen,
            limits,
            webhook: Some(WebhookSettings { url, secret }),
        })
    }
}

impl HttpSection {
    fn limits(&self) -> Result<ConnectionLimits, ConfigError> {
        let defaults = ConnectionLimits::DEFAULT;
        let timeout = |setting: &'static str, seconds: Option<u64>, default: Duration| match seconds
        {
            None => Ok(default),
            Some(s @ 1..=LONGEST_TIMEOUT_SECONDS) => Ok(Duration::from_secs(s)),
            Some(s) => Err(ConfigError::invalid(
                setting,
                format!("expected 1 to {LONGEST_TIMEOUT_SECONDS} seconds, got {s}"),
            )),
        };
        let max_connections = match self.max_connections {
            None => defaults.max_connections,
            Some(n @ 1..=MOST_CONNECTIONS) => n,
            Some(n) => {
                return Err(ConfigError::invalid(
                    "http.max_connections",
                    format!("expected 1 to {MOST_CONNECTIONS}, got {n}"),
                ));
            }
        };
        Ok(ConnectionLimits {
            header_timeout: timeout(
                "http.header_timeout_seconds",
                self.header_timeout_seconds,
                defaults.header_timeout,
            )?,
            body_timeout: timeout(
                "http.body_timeout_seconds",
                self.body_timeout_seconds,
                defaults.body_timeout,
            )?,
            max_connections,
        })
    }
}

fn address(setting: &str, raw: &str) -> Result<SocketAddr, ConfigError> {
    raw.trim().parse().map_err(|_| {
        ConfigError::invalid(
            setting,
            format!("expected an IP address and port such as 127.0.0.1:9090, got {raw:?} (or {OFF:?} to turn the listener off)"),
        )
    })
}

// The hint for a missing secret says 32.
const _: () = assert!(MIN_SECRET_LENGTH == 32);

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::{Environment, FromEnvironment};

    struct Env(HashMap<&'static str, String>);

    impl Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
    }

    fn env(pairs: &[(&'static str, &str)]) -> HttpVars {
        let environment = Env(pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect());
        FromEnvironment::read(&environment).http
    }

    fn section(listen: Option<&str>) -> HttpSection {
        HttpSection {
            listen: listen.map(str::to_owned),
            ..HttpSection::default()
        }
    }

    #[test]
    fn limits_and_the_metrics_address_are_read_and_bounded() {
        let defaults = HttpSettings::load(&section(Some("127.0.0.1:9090")), &env(&[])).unwrap();
        assert_eq!(defaults.limits, ConnectionLimits::DEFAULT);
        assert_eq!(defaults.metrics_listen, None);

        let set = HttpSection {
            listen: Some("127.0.0.1:9090".to_owned()),
            metrics_listen: Some("127.0.0.1:9100".to_owned()),
            max_connections: Some(3),
            header_timeout_seconds: Some(2),
            body_timeout_seconds: Some(4),
        };
        let settings = HttpSettings::load(&set, &env(&[])).unwrap();
        assert_eq!(
            settings.metrics_listen,
            Some("127.0.0.1:9100".parse().unwrap())
        );
        assert_eq!(
            settings.limits,
            ConnectionLimits {
                header_timeout: Duration::from_secs(2),
                body_timeout: Duration::from_secs(4),
                max_connections: 3,
            }
        );

        for (bad, expected) in [
            (
                HttpSection {
                    max_connections: Some(0),
                    ..section(None)
                },
                "http.max_connections is invalid: expected 1 to 10000, got 0",
            ),
            (
                HttpSection {
                    header_timeout_seconds: Some(0),
                    ..section(None)
                },
                "http.header_timeout_seconds is invalid",
            ),
            (
                HttpSection {
                    body_timeout_seconds: Some(301),
                    ..section(None)
                },
                "http.body_timeout_seconds is invalid: expected 1 to 300 seconds, got 301",
            ),
            (
                HttpSection {
                    metrics_listen: Some("127.0.0.1:9090".to_owned()),
                    ..section(Some("127.0.0.1:9090"))
                },
                "http.metrics_listen is invalid: it is the same address",
            ),
        ] {
            let error = HttpSettings::load(&bad, &env(&[])).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_listener_is_off_unless_configured_and_the_environment_wins() {
        let off = HttpSettings::load(&section(None), &env(&[])).unwrap();
        assert_eq!(off.listen, None);
        assert!(off.webhook.is_none());

        let file = HttpSettings::load(&section(Some("127.0.0.1:9090")), &env(&[])).unwrap();
        assert_eq!(file.listen, Some("127.0.0.1:9090".parse().unwrap()));

        let overridden = HttpSettings::load(
            &section(Some("127.0.0.1:9090")),
            &env(&[(LISTEN_VAR, "[::1]:9191")]),
        )
        .unwrap();
        assert_eq!(overridden.listen, Some("[::1]:9191".parse().unwrap()));

        let turned_off = HttpSettings::load(
            &section(Some("127.0.0.1:9090")),
            &env(&[(LISTEN_VAR, "off")]),
        )
        .unwrap();
        assert_eq!(turned_off.listen, None);
    }

    #[test]
    fn webhook_mode_takes_the_url_and_the_secret() {
        let settings = HttpSettings::load(
            &section(Some("127.0.0.1:9090")),
            &env(&[
                (WEBHOOK_URL_VAR, "https://bots.example.com/telegram"),
                (WEBHOOK_SECRET_VAR, SECRET),
            ]),
        )
        .unwrap();
        let webhook = settings.webhook.unwrap();
        assert_eq!(
            webhook.url.for_bot("client").as_str(),
            "https://bots.example.com/telegram/client"
        );
        assert!(!format!("{webhook:?}").contains(SECRET));
    }

    /// `[http] listen`, the environment, and the start of the error.
    type Case<'a> = (Option<&'a str>, Vec<(&'static str, &'a str)>, &'a str);

    #[test]
    fn bad_settings_name_the_setting_in_one_line_without_the_secret() {
        let short = "abc123abc123";
        let cases: [Case<'_>; 6] = [
            (
                Some("localhost"),
                vec![],
                "http.listen is invalid: expected an IP address and port",
            ),
            (
                None,
                vec![(LISTEN_VAR, "9090")],
                "BOOKING_HTTP_LISTEN is invalid",
            ),
            (
                Some("127.0.0.1:9090"),
                vec![(WEBHOOK_URL_VAR, "https://bots.example.com/t?x")],
                "BOOKING_WEBHOOK_URL is invalid",
            ),
            (
                Some("127.0.0.1:9090"),
                vec![(WEBHOOK_URL_VAR, "https://bots.example.com/t")],
                "BOOKING_WEBHOOK_SECRET is not set",
            ),
            (
                Some("127.0.0.1:9090"),
                vec![
                    (WEBHOOK_URL_VAR, "https://bots.example.com/t"),
                    (WEBHOOK_SECRET_VAR, short),
                ],
                "BOOKING_WEBHOOK_SECRET is invalid: expected 32 to 256 characters, got 12",
            ),
            (
                None,
                vec![
                    (WEBHOOK_URL_VAR, "https://bots.example.com/t"),
                    (WEBHOOK_SECRET_VAR, SECRET),
                ],
                "http.listen is not set: webhook mode",
            ),
        ];
        for (listen, pairs, expected) in cases {
            let error = HttpSettings::load(&section(listen), &env(&pairs))
                .unwrap_err()
                .to_string();
            assert!(error.starts_with(expected), "{error}");
            assert_eq!(error.lines().count(), 1, "{error}");
            assert!(!error.contains(short), "{error}");
        }
    }
}
