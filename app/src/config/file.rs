//! The config file's schema: the TOML as written, section by section, with
//! its defaults. Unknown keys are refused, so a typo is never silently
//! ignored. Nothing here checks a value beyond its TOML type:
//! `config/validate.rs` turns these into domain types. The catalog
//! sections (`[[staff]]`, `[[services]]`, `[[date_overrides]]`) are the
//! catalog file's schema, in `config/catalog.rs`; `[log]`, `[http]`,
//! `[backup]` and `[shutdown]` belong to the modules they configure.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::ConfigError;
use super::catalog::{OverrideEntry, ServiceEntry, StaffEntry};

pub const DEFAULT_CONVERSATION_EXPIRY_MINUTES: u32 = 30;
pub const DEFAULT_CONNECT_TIMEOUT_SECONDS: u32 = 10;
pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u32 = 30;
pub const DEFAULT_POLLING_TIMEOUT_SECONDS: u32 = 20;
pub const DEFAULT_SESSION_HOURS: u32 = 12;
pub const DEFAULT_CUSTOMER_REMINDERS_MINUTES: [i64; 2] = [24 * 60, 2 * 60];

/// `booking.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigFile {
    pub(crate) business: BusinessSection,
    pub(crate) policy: PolicySection,
    #[serde(default)]
    pub(crate) telegram: TelegramSection,
    #[serde(default)]
    pub(crate) staff: Vec<StaffEntry>,
    #[serde(default)]
    pub(crate) services: Vec<ServiceEntry>,
    #[serde(default)]
    pub(crate) date_overrides: Vec<OverrideEntry>,
    pub(crate) admin: Option<AdminSection>,
    #[serde(default)]
    pub(crate) reminders: RemindersSection,
    #[serde(default)]
    pub(crate) lifecycle: LifecycleSection,
    #[serde(default)]
    pub(crate) dispatch: DispatchSection,
    #[serde(default)]
    pub(crate) backup: crate::backups::BackupSection,
    #[serde(default)]
    pub(crate) shutdown: crate::shutdown::ShutdownSection,
    #[serde(default)]
    pub(crate) log: crate::telemetry::LogSection,
    #[serde(default)]
    pub(crate) http: crate::http::settings::HttpSection,
    #[serde(default)]
    pub(crate) miniapp: crate::miniapp::MiniAppSection,
}

/// Defaults of keys in sections that also have required keys (a section
/// whose keys are all optional implements `Default` instead). Const
/// generics keep each default beside its key.
mod default {
    pub(super) const fn int<const N: i64>() -> i64 {
        N
    }
    pub(super) const fn small<const N: u16>() -> u16 {
        N
    }
    pub(super) fn english() -> String {
        "en".to_owned()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BusinessSection {
    pub(crate) name: String,
    pub(crate) address: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) website: Option<String>,
    pub(crate) time_zone: String,
    pub(crate) currency: String,
    #[serde(default = "default::english")]
    pub(crate) default_language: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicySection {
    #[serde(default = "default::int::<15>")]
    pub(crate) slot_step_minutes: i64,
    #[serde(default = "default::int::<60>")]
    pub(crate) min_notice_minutes: i64,
    #[serde(default = "default::small::<30>")]
    pub(crate) horizon_days: u16,
    #[serde(default = "default::int::<120>")]
    pub(crate) cancellation_cutoff_minutes: i64,
    #[serde(default = "default::int::<120>")]
    pub(crate) reschedule_cutoff_minutes: i64,
    #[serde(default = "default::small::<3>")]
    pub(crate) max_active_bookings_per_customer: u16,
    /// Bookings one customer may make (moves included) in any 24 hours.
    #[serde(default = "default::small::<10>")]
    pub(crate) max_bookings_per_customer_per_day: u16,
    /// Bookings one customer may cancel in any 24 hours.
    #[serde(default = "default::small::<5>")]
    pub(crate) max_cancellations_per_customer_per_day: u16,
    #[serde(default)]
    pub(crate) requires_confirmation: bool,
    pub(crate) phone_region: String,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TelegramSection {
    pub(crate) conversation_expiry_minutes: u32,
    pub(crate) connect_timeout_seconds: u32,
    pub(crate) request_timeout_seconds: u32,
    pub(crate) polling_timeout_seconds: u32,
}

impl Default for TelegramSection {
    fn default() -> Self {
        Self {
            conversation_expiry_minutes: DEFAULT_CONVERSATION_EXPIRY_MINUTES,
            connect_timeout_seconds: DEFAULT_CONNECT_TIMEOUT_SECONDS,
            request_timeout_seconds: DEFAULT_REQUEST_TIMEOUT_SECONDS,
            polling_timeout_seconds: DEFAULT_POLLING_TIMEOUT_SECONDS,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct AdminSection {
    /// The owners: everything.
    pub(crate) allowed_user_ids: Vec<i64>,
    /// The managers: everything but the catalog and the policy.
    pub(crate) manager_user_ids: Vec<i64>,
    pub(crate) pin_hash: Option<String>,
    /// The owner's explicit choice of the PIN alone, without an allow-list.
    pub(crate) pin_without_allow_list: bool,
    pub(crate) session_hours: u32,
    /// Chats (owner, managers, a staff group) told about every staff member.
    pub(crate) notify_chat_ids: Vec<i64>,
    /// Staff id (as a key) = that staff member's Telegram user id.
    pub(crate) staff_telegram_ids: BTreeMap<String, i64>,
}

impl Default for AdminSection {
    fn default() -> Self {
        Self {
            allowed_user_ids: Vec::new(),
            manager_user_ids: Vec::new(),
            pin_hash: None,
            pin_without_allow_list: false,
            session_hours: DEFAULT_SESSION_HOURS,
            notify_chat_ids: Vec::new(),
            staff_telegram_ids: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RemindersSection {
    pub(crate) customer_offsets_minutes: Vec<i64>,
    pub(crate) staff_offset_minutes: Option<i64>,
}

impl Default for RemindersSection {
    fn default() -> Self {
        Self {
            customer_offsets_minutes: DEFAULT_CUSTOMER_REMINDERS_MINUTES.to_vec(),
            staff_offset_minutes: None,
        }
    }
}

/// `[lifecycle]`: every field optional. Absent keeps the recommended value
/// (`LifecycleSettings::recommended()`); 0 turns the rule off.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LifecycleSection {
    pub(crate) pending_expiry_minutes: Option<i64>,
    pub(crate) confirmation_reminder_minutes: Option<i64>,
    pub(crate) complete_after_minutes: Option<i64>,
}

/// Every field optional: an absent one keeps `DispatchSettings::default()`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DispatchSection {
    pub(crate) batch_size: Option<usize>,
    pub(crate) concurrency: Option<usize>,
    pub(crate) per_chat_interval_ms: Option<u32>,
    pub(crate) per_bot_per_second: Option<u32>,
    pub(crate) first_retry_seconds: Option<u32>,
    pub(crate) max_retry_delay_seconds: Option<u32>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) poll_interval_seconds: Option<u32>,
    pub(crate) claim_lease_seconds: Option<u32>,
}

/// Reads TOML text of the file at `path` into `T`. A syntax or type error
/// becomes one line with the file, the line and, when the line has one,
/// the key: `booking.toml, line 34 (horizon_days): invalid type...`.
///
/// # Errors
/// [`ConfigError::Syntax`].
pub(crate) fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        let key = text
            .lines()
            .nth(line - 1)
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| one_line(k.trim()))
            .filter(|k| !k.is_empty() && !k.starts_with('['));
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            key,
            message: one_line(e.message().trim()),
        }
    })
}

/// `text` from the file (or quoted from it) as it may appear in a one-line
/// refusal: control characters are escaped, so a carriage return or an
/// escape sequence in a broken file can neither start a second line in
/// the log nor repaint the operator's terminal (found by fuzzing).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
