//! Webhook mode: Telegram POSTs each bot's updates to the HTTP listener
//! instead of the bots polling for them.
//!
//! `BOOKING_WEBHOOK_URL` is the public base URL behind the TLS proxy; each
//! bot gets its own path under it (`<url>/client`, `<url>/admin`), which is
//! the URL given to `setWebhook` and the route on the listener (the proxy
//! forwards paths unchanged). [`register`] calls `setWebhook` with our
//! secret and returns the route; `deleteWebhook` runs once the listener is
//! stopped (awaited by `bots::run` at shutdown, so Telegram keeps the
//! updates until the next start and polling can take over). The route is
//! ours, not teloxide's (`receiver`): it records each update in the inbox
//! before answering 200 and bounds the updates waiting for the dispatcher,
//! answering 503 beyond that so Telegram sends them again later.
//!
//! Every request must carry the secret in `X-Telegram-Bot-Api-Secret-Token`:
//! the layer here answers 401 to anything but the exact secret, in constant
//! time, before the update is read.

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use teloxide::RequestError;
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use url::Url;

use crate::health::BotHealth;
use crate::inbox::BotInbox;
use crate::unreadable::{require_readable, skip_unreadable};

pub mod receiver;

/// The header Telegram puts the secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// The shortest secret accepted. Telegram allows 1 to 256 characters.
pub const MIN_SECRET_LENGTH: usize = 32;
const MAX_SECRET_LENGTH: usize = 256;

/// The webhook secret: 32 to 256 characters from Telegram's alphabet
/// (`A-Z a-z 0-9 _ -`). Never printed.
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

/// Why a webhook secret was refused. Never contains the secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error(
        "only A-Z, a-z, 0-9, _ and - are allowed (Telegram's rule); generate one with `openssl rand -hex 32`"
    )]
    Alphabet,
    #[error(
        "expected {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters, got {0}; generate one with `openssl rand -hex 32`"
    )]
    Length(usize),
}

impl WebhookSecret {
    /// Checks Telegram's alphabet and our minimum length, so the secret is
    /// hard to guess and `setWebhook` cannot refuse it.
    ///
    /// # Errors
    /// [`SecretError`] naming the rule broken.
    pub fn parse(raw: &str) -> Result<Self, SecretError> {
        let raw = raw.trim();
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(SecretError::Alphabet);
        }
        if !(MIN_SECRET_LENGTH..=MAX_SECRET_LENGTH).contains(&raw.len()) {
            return Err(SecretError::Length(raw.len()));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// Whether a request's header value is the secret, compared in
    /// constant time.
    fn matches(&self, given: &[u8]) -> bool {
        given.ct_eq(self.0.expose_secret().as_bytes()).into()
    }
}

/// Equal secrets, compared in constant time (a reload compares them).
impl PartialEq for WebhookSecret {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other.0.expose_secret().as_bytes())
    }
}

impl Eq for WebhookSecret {}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(hidden)")
    }
}

/// The public base URL of webhook mode: `http(s)://host[:port][/path]`,
/// without query, fragment or credentials, its path made of plain segments
/// (letters, digits, `-`, `_`, `.`, `~`) so it is a route as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

/// Why a webhook URL was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("expected an https:// URL such as https://bots.example.com/telegram: {0}")]
    Parse(#[from] url::ParseError),
    #[error("the URL must start with https:// (or http:// for a self-hosted Bot API server)")]
    Scheme,
    #[error("the URL must not have a query, a fragment or credentials")]
    Extras,
    #[error("the URL's path may only hold letters, digits, '-', '_', '.', '~' and '/'")]
    Path,
}

impl WebhookUrl {
    /// # Errors
    /// [`WebhookUrlError`] naming what is wrong.
    pub fn parse(raw: &str) -> Result<Self, WebhookUrlError> {
        let url = Url::parse(raw.trim())?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(WebhookUrlError::Scheme);
        }
        if url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(WebhookUrlError::Extras);
        }
        let plain = url
            .path()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/'));
        if !plain {
            return Err(WebhookUrlError::Path);
        }
        Ok(Self(url))
    }

    /// The URL Telegram posts `bot`'s updates to: the base with `/<bot>`
    /// appended (`https://bots.example.com/telegram/client`).
    pub fn for_bot(&self, bot: &str) -> Url {
        let mut url = self.0.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}/{bot}"));
        url
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Webhook mode's settings (`BOOKING_WEBHOOK_URL`, `BOOKING_WEBHOOK_SECRET`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    pub url: WebhookUrl,
    pub secret: WebhookSecret,
}

/// Telegram refused `setWebhook` (or could not be reached).
#[derive(Debug, thiserror::Error)]
#[error("the {bot} bot could not set its webhook to {url}: {source}")]
pub struct WebhookError {
    pub bot: &'static str,
    pub url: Url,
    #[source]
    pub source: RequestError,
}

/// A bot whose webhook is set: its updates arrive through the router that
/// [`register`] returned.
pub struct WebhookUpdates {
    listener: receiver::Listener,
    on_stop: BoxFuture<'static, ()>,
}

impl fmt::Debug for WebhookUpdates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookUpdates").finish_non_exhaustive()
    }
}

impl WebhookUpdates {
    /// The listener for the dispatcher (it marks `health` started when the
    /// dispatcher begins listening), and what to await once the dispatcher
    /// stopped: `deleteWebhook`.
    pub fn into_parts(self, health: BotHealth) -> (WebhookListener, BoxFuture<'static, ()>) {
        (
            WebhookListener {
                inner: self.listener,
                health,
            },
            self.on_stop,
        )
    }
}

/// Who sets the webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOwner {
    /// `booking run` sets each bot's webhook at start and deletes it at
    /// stop: SQLite, one process per database.
    Run,
    /// `booking webhook set` did, once: an instance that starts or stops
    /// must not change it under the others (PostgreSQL). `booking run`
    /// only warns when Telegram has another URL.
    Operator,
}

/// Sets `bot`'s webhook to `<url>/<name>` with the secret; the URL set.
///
/// # Errors
/// [`WebhookError`] when `setWebhook` fails.
pub async fn set(
    bot: &Bot,
    name: &'static str,
    settings: &WebhookSettings,
) -> Result<Url, WebhookError> {
    let url = settings.url.for_bot(name);
    bot.set_webhook(url.clone())
        .secret_token(settings.secret.0.expose_secret().to_owned())
        // Updates Telegram kept while we were away are still wanted.
        .drop_pending_updates(false)
        .await
        .map_err(|source| WebhookError {
            bot: name,
            url: url.clone(),
            source,
        })?;
    Ok(url)
}

/// Warns when Telegram sends `bot`'s updates elsewhere than this instance
/// expects (the operator has not run `booking webhook set`, or ran it with
/// another URL).
async fn check(bot: &Bot, name: &'static str, expected: &Url) {
    match bot.get_webhook_info().await {
        Ok(info) if info.url.as_ref() == Some(expected) => {}
        Ok(info) => tracing::warn!(
            bot = name,
            expected = %expected,
            set = info.url.as_ref().map_or("none", Url::as_str),
            "Telegram sends this bot's updates elsewhere: run `booking webhook set`"
        ),
        Err(e) => {
            tracing::warn!(bot = name, error = %adapter_telegram::error::chain(&e), "reading the webhook from Telegram failed")
        }
    }
}

/// Returns `bot`'s updates and the router that receives them into `inbox`
/// (to merge into the HTTP listener's), after setting its webhook to
/// `<url>/<name>` with the secret when `owner` is [`WebhookOwner::Run`]
/// (deleted again at stop), else after checking it.
///
/// # Errors
/// [`WebhookError`] when `setWebhook` fails.
pub async fn register(
    bot: &Bot,
    name: &'static str,
    settings: &WebhookSettings,
    inbox: BotInbox,
    owner: WebhookOwner,
) -> Result<(WebhookUpdates, Router), WebhookError> {
    let url = match owner {
        WebhookOwner::Run => {
            let url = set(bot, name, settings).await?;
            tracing::info!(bot = name, %url, "webhook set");
            url
        }
        WebhookOwner::Operator => {
            let url = settings.url.for_bot(name);
            check(bot, name, &url).await;
            url
        }
    };
    let (route, listener) = receiver::channel(inbox, receiver::QUEUE_CAPACITY);
    let stopped = route.stopped();
    let on_stop = {
        let bot = bot.clone();
        stopped.then(move |()| async move {
            if owner != WebhookOwner::Run {
                return;
            }
            if let Err(e) = bot.delete_webhook().await {
                tracing::warn!(bot = name, error = %adapter_telegram::error::chain(&e), "deleting the webhook failed");
            }
        })
    };
    let secret = Arc::new(settings.secret.clone());
    // Layers run outside in: the secret first, then the body checks.
    let router = Router::new()
        .route(url.path(), post(receiver::receive))
        .with_state(route)
        .route_layer(middleware::from_fn(move |request, next| {
            require_readable(name, request, next)
        }))
        .route_layer(middleware::from_fn_with_state(secret, require_secret));
    Ok((
        WebhookUpdates {
            listener,
            on_stop: on_stop.boxed(),
        },
        router,
    ))
}

/// Lets a request through only with the exact secret header.
async fn require_secret(
    State(secret): State<Arc<WebhookSecret>>,
    request: Request,
    next: Next,
) -> Response {
    let authentic = request
        .headers()
        .get(SECRET_HEADER)
        .is_some_and(|given| secret.matches(given.as_bytes()));
    if !authentic {
        // Debug, not warn: anyone who finds the URL could fill the log.
        tracing::debug!(
            path = request.uri().path(),
            "webhook request without the right secret refused"
        );
        return StatusCode::UNAUTHORIZED.into_response();
    }
    next.run(request).await
}

/// The update listener of a bot in webhook mode.
pub struct WebhookListener {
    inner: receiver::Listener,
    health: BotHealth,
}

impl fmt::Debug for WebhookListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookListener")
            .field("health", &self.health)
            .finish_non_exhaustive()
    }
}

impl UpdateListener for WebhookListener {
    type Err = RequestError;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    // Telegram keeps the allowed updates of the last `getUpdates` or
    // `setWebhook` that named them; like teloxide's webhook, ours ignores
    // the hint.
    fn hint_allowed_updates(&mut self, _hint: &mut dyn Iterator<Item = AllowedUpdate>) {}
}

impl<'a> AsUpdateStream<'a> for WebhookListener {
    type StreamErr = RequestError;
    type Stream = BoxStream<'a, Result<Update, RequestError>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        // The dispatcher calls this after `getMe` answered.
        self.health.started();
        skip_unreadable(self.health.name(), self.inner.stream())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_follow_telegrams_alphabet_and_our_minimum_length() {
        let good = "a".repeat(31) + "Z";
        assert!(WebhookSecret::parse(&good).is_ok());
        assert!(WebhookSecret::parse(&format!("  {good}\n")).is_ok());
        assert_eq!(
            WebhookSecret::parse("short").err(),
            Some(SecretError::Length(5))
        );
        assert_eq!(
            WebhookSecret::parse(&"a".repeat(257)).err(),
            Some(SecretError::Length(257))
        );
        let spaced = format!("{} {}", "a".repeat(20), "b".repeat(20));
        assert_eq!(
            WebhookSecret::parse(&spaced).err(),
            Some(SecretError::Alphabet)
        );
        assert_eq!(
            format!("{:?}", WebhookSecret::parse(&good).unwrap()),
            "WebhookSecret(hidden)"
        );
    }

    #[test]
    fn the_secret_matches_only_itself() {
        let secret = WebhookSecret::parse(&"s".repeat(40)).unwrap();
        assert!(secret.matches("s".repeat(40).as_bytes()));
        assert!(!secret.matches("s".repeat(39).as_bytes()));
        assert!(!secret.matches(format!("{}t", "s".repeat(39)).as_bytes()));
        assert!(!secret.matches(b""));
    }

    #[test]
    fn each_bot_gets_its_own_path_under_the_base_url() {
        let with_path = WebhookUrl::parse("https://bots.example.com/telegram").unwrap();
        assert_eq!(
            with_path.for_bot("client").as_str(),
            "https://bots.example.com/telegram/client"
        );
        let trailing = WebhookUrl::parse("https://bots.example.com:8443/a/b/").unwrap();
        assert_eq!(
            trailing.for_bot("admin").as_str(),
            "https://bots.example.com:8443/a/b/admin"
        );
        let root = WebhookUrl::parse("https://bots.example.com").unwrap();
        assert_eq!(root.for_bot("client").path(), "/client");
    }

    #[test]
    fn urls_that_cannot_be_a_route_are_refused() {
        for (raw, expected) in [
            ("bots.example.com/telegram", "expected an https:// URL"),
            ("ftp://bots.example.com/", "must start with https://"),
            ("https://bots.example.com/t?x=1", "must not have a query"),
            ("https://bots.example.com/t#x", "must not have a query"),
            (
                "https://user:pw@bots.example.com/t",
                "must not have a query",
            ),
            ("https://bots.example.com/{id}", "may only hold letters"),
            ("https://bots.example.com/a:b", "may only hold letters"),
        ] {
            let error = WebhookUrl::parse(raw).unwrap_err().to_string();
            assert!(error.contains(expected), "{raw}: {error}");
        }
    }
}
