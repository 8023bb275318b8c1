//! The Telegram side of notifications: a [`NotificationSender`] that
//! delivers the outbox's messages through the two bots.
//!
//! Customers are told by the client bot in their private chat (the engine's
//! `CustomerId` is their Telegram user id), in their language; staff are
//! told by the admin bot in the chats the configuration names for them and
//! in the private chats of the users who joined as them
//! ([`StaffDirectory`]), in the language each uses the bot in. The
//! text is rendered here, at sending time, from the booking as it is now
//! (see `docs/NOTIFICATIONS.md`). The sender never retries or sleeps: it
//! maps what Telegram answered to a [`SendError`] and the dispatcher
//! decides what happens next.
//!
//! One wait is not ours: teloxide-core 0.13 sleeps 10 s inside a request
//! that Telegram answered with a 5xx before returning the error
//! (`DELAY_ON_SERVER_ERROR`), so such a send holds one of the dispatcher's
//! concurrent slots that long. It is then reported as temporary.

mod render;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use booking_domain::StaffId;
use booking_ports::{
    Addressee, BotName, ChatKey, Destination, InvalidBotName, NotificationSender, OutgoingMessage,
    SendError,
};
use chrono_tz::Tz;
use teloxide::payloads::{SendMessage, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;
use teloxide::{ApiError, RequestError};

use crate::admin::ADMIN_BOT;
use crate::admin::directory::StaffDirectory;
use crate::client::CLIENT_BOT;
use crate::i18n::Locales;
use crate::live::Live;

pub use self::render::{Audience, Rendered, render, render_for};

/// Which admin chats see notices about which staff member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffChats {
    /// Chats that see notices about every staff member (owner, managers).
    pub all: Vec<i64>,
    /// A staff member's own chat(s) with the admin bot.
    pub by_staff: HashMap<StaffId, Vec<i64>>,
}

impl StaffChats {
    /// The chats told about `staff`, each once, in a stable order.
    pub fn chats_for(&self, staff: StaffId) -> Vec<i64> {
        let mut chats: Vec<i64> = self
            .by_staff
            .get(&staff)
            .into_iter()
            .flatten()
            .chain(self.all.iter())
            .copied()
            .collect();
        chats.sort_unstable();
        chats.dedup();
        chats
    }
}

/// What the sender reads from the configuration: the time zone messages
/// show times in, and who hears about which staff member. Replaced when the
/// config file is reloaded (see [`TelegramSender::live_settings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSettings {
    pub time_zone: Tz,
    pub staff_chats: StaffChats,
}

/// Delivers notifications through the client bot (customers) and, when
/// configured, the admin bot (staff).
pub struct TelegramSender {
    client: Bot,
    admin: Option<Bot>,
    client_name: BotName,
    admin_name: BotName,
    locales: Arc<Locales>,
    settings: Live<NoticeSettings>,
    /// Users who joined as staff members, and staff users' languages.
    directory: StaffDirectory,
}

impl fmt::Debug for TelegramSender {
    /// Without the bots: their `Debug` shows the tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramSender")
            .field("admin_bot", &self.admin.is_some())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl TelegramSender {
    /// A sender over the client bot and, when staff should be told, the
    /// admin bot. Without an admin bot staff notices have no destination
    /// and are recorded as failed.
    ///
    /// # Errors
    /// Never in practice: the bot names are constants.
    pub fn new(
        client: Bot,
        admin: Option<Bot>,
        locales: Arc<Locales>,
        tz: Tz,
        staff_chats: StaffChats,
    ) -> Result<Self, InvalidBotName> {
        Ok(Self {
            client,
            admin,
            client_name: BotName::new(CLIENT_BOT)?,
            admin_name: BotName::new(ADMIN_BOT)?,
            locales,
            settings: Live::new(NoticeSettings {
                time_zone: tz,
                staff_chats,
            }),
            directory: StaffDirectory::default(),
        })
    }

    /// Also tells the users who joined as a staff member (the admin bot's
    /// [`StaffDirectory`]), and speaks each staff user's language.
    #[must_use]
    pub fn with_directory(mut self, directory: StaffDirectory) -> Self {
        self.directory = directory;
        self
    }

    /// The handle through which a config reload changes the time zone and
    /// the staff chats of messages sent from then on.
    pub fn live_settings(&self) -> Live<NoticeSettings> {
        self.settings.clone()
    }
}

#[async_trait]
impl NotificationSender for TelegramSender {
    fn destinations(&self, to: &Addressee) -> Vec<Destination> {
        match to {
            // A private chat's id is the user's id.
            Addressee::Customer(account) => vec![Destination {
                bot: self.client_name.clone(),
                chat: ChatKey::new(account.get()),
            }],
            Addressee::Staff(staff) if self.admin.is_some() => {
                let mut chats = self.settings.get().staff_chats.chats_for(*staff);
                // A private chat's id is the user's id.
                chats.extend(self.directory.users_of(*staff));
                chats.sort_unstable();
                chats.dedup();
                chats
                    .into_iter()
                    .map(|chat| Destination {
                        bot: self.admin_name.clone(),
                        chat: ChatKey::new(chat),
                    })
                    .collect()
            }
            Addressee::Staff(_) => Vec::new(),
        }
    }

    async fn send(&self, to: &Destination, message: &OutgoingMessage) -> Result<(), SendError> {
        let bot = if to.bot == self.client_name {
            &self.client
        } else if to.bot == self.admin_name
            && let Some(admin) = &self.admin
        {
            admin
        } else {
            return Err(SendError::permanent(
                "no bot is configured for this destination",
            ));
        };
        let rendered = render_for(
            &self.locales,
            self.settings.get().time_zone,
            message,
            Audience::of_chat(to.chat.get()),
            self.directory.language_of(to.chat.get()),
        );
        // Names, comments and reasons are bounded, so a notice fits one
        // message (`render`'s tests check the longest); should that ever
        // change, a notice cut short still arrives, where one Telegram
        // refuses would be lost for good.
        let text = crate::limits::truncate(&rendered.text, crate::limits::MAX_TEXT_UNITS);
        let mut payload = SendMessage::new(ChatId(to.chat.get()), text);
        if let Some(keyboard) = rendered.keyboard {
            payload = payload.reply_markup(keyboard);
        }
        crate::telegram::send(crate::telegram::unread(bot, payload))
            .await
            .map(|_| ())
            .map_err(classify)
    }
}

/// What Telegram's answer means for the dispatcher.
pub fn classify(error: RequestError) -> SendError {
    match error {
        RequestError::RetryAfter(wait) => {
            SendError::rate_limited(wait.chrono_duration(), RequestError::RetryAfter(wait))
        }
        RequestError::MigrateToChatId(_) => SendError::permanent(
            "the group became a supergroup: the configured admin chat id is stale",
        ),
        RequestError::Api(api) => classify_api(api),
        e @ (RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. }) => {
            SendError::temporary(e)
        }
    }
}

fn classify_api(api: ApiError) -> SendError {
    match &api {
        ApiError::Unknown(description) if is_server_side(description) => SendError::temporary(api),
        // Anything else is a request Telegram refuses: the recipient is gone
        // (blocked the bot, deleted the account) or the request is wrong
        // (too long, bad markup). Sending it again would be refused again.
        _ => SendError::permanent(&api.to_string()),
    }
}

/// The recipient cannot be reached any more: they blocked the bot, never
/// started it, or the chat is gone. Nothing an operator can fix.
pub(crate) fn recipient_is_gone(api: &ApiError) -> bool {
    matches!(
        api,
        ApiError::BotBlocked
            | ApiError::ChatNotFound
            | ApiError::UserNotFound
            | ApiError::UserDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
    )
}

/// Telegram reports its own 5xx failures with their HTTP reason phrase.
pub(crate) fn is_server_side(description: &str) -> bool {
    const PHRASES: [&str; 4] = [
        "Internal Server Error",
        "Bad Gateway",
        "Service Unavailable",
        "Gateway Timeout",
    ];
    PHRASES.iter().any(|p| description.contains(p))
}

/// The keyboard of a rendered message, for tests and callers that need it.
pub type Keyboard = InlineKeyboardMarkup;
