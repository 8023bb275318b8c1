//! Validation into domain types: the file's sections (`config/file.rs`)
//! become a [`Policy`], [`EngineSettings`], [`DispatchSettings`], the admin
//! bot's access and so on, and the environment's values (`config/
//! environment.rs`) become a [`BotToken`], a [`Url`]. Each check names the
//! setting it refuses, so the one-line error says where to look.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use adapter_telegram::{AdminBotConfig, BusinessInfo, Language, PinHash, StaffChats};
use booking_domain::{Currency, Minutes, PhoneRegion, Policy, PolicySettings, StaffId};
use booking_ports::{
    CatalogSnapshot, ChurnLimits, DispatchSettings, DispatchSettingsParts, EngineSettings,
    InvalidLifecycleSettings, LifecycleSettings,
};
use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::catalog::{CatalogFile, minutes};
use super::file::{
    AdminSection, BusinessSection, ConfigFile, DispatchSection, LifecycleSection, PolicySection,
    RemindersSection, TelegramSection,
};
use super::{
    AdminSettings, BotToken, ConfigError, DEFAULT_TELEGRAM_API_URL, Reason, TelegramTimeouts, env,
};
use crate::backups::BackupSchedule;

/// A request must outlast the long-polling wait by at least this much.
const POLLING_MARGIN_SECONDS: u32 = 5;

/// What the file says, validated.
pub(crate) struct Validated {
    pub(crate) business: BusinessInfo,
    pub(crate) currency: Currency,
    pub(crate) default_language: Language,
    pub(crate) policy: Policy,
    pub(crate) catalog: CatalogSnapshot,
    pub(crate) conversation_expiry: chrono::Duration,
    pub(crate) telegram_timeouts: TelegramTimeouts,
    pub(crate) admin: Option<AdminSettings>,
    pub(crate) engine: EngineSettings,
    pub(crate) dispatch: DispatchSettings,
    pub(crate) backups: Option<BackupSchedule>,
    pub(crate) shutdown_deadline: std::time::Duration,
    /// The Mini App's settings; `None`: it is off.
    pub(crate) miniapp: Option<crate::miniapp::MiniAppSettings>,
}

impl ConfigFile {
    /// Checks every section; `pepper` (from the environment) goes into the
    /// admin bot's access.
    pub(crate) fn validate(self, pepper: Option<SecretString>) -> Result<Validated, ConfigError> {
        let (business, currency, default_language, time_zone) = self.business.validate()?;
        let policy = self.policy.validate(time_zone)?;
        let conversation_expiry = self.telegram.conversation_expiry()?;
        let telegram_timeouts = self.telegram.timeouts()?;
        let catalog = CatalogFile {
            staff: self.staff,
            services: self.services,
            date_overrides: self.date_overrides,
        };
        let snapshot = catalog.validate(currency)?;
        let staff_ids: BTreeSet<StaffId> = snapshot.staff.iter().map(|s| s.id()).collect();
        let admin = self
            .admin
            .as_ref()
            .map(|a| a.validate(pepper, &staff_ids))
            .transpose()?;
        Ok(Validated {
            business,
            currency,
            default_language,
            policy,
            catalog: snapshot,
            conversation_expiry,
            telegram_timeouts,
            admin,
            engine: self
                .reminders
                .validate()?
                .with_churn_limits(self.policy.churn_limits()?)
                .with_lifecycle(self.lifecycle.validate()?),
            dispatch: self.dispatch.validate(telegram_timeouts.request)?,
            backups: self.backup.validate()?,
            shutdown_deadline: self.shutdown.deadline()?,
            miniapp: self.miniapp.validate()?,
        })
    }
}

impl BusinessSection {
    fn validate(&self) -> Result<(BusinessInfo, Currency, Language, Tz), ConfigError> {
        let time_zone = Tz::from_str(self.time_zone.trim()).map_err(|_| {
            ConfigError::invalid(
                "business.time_zone",
                Reason("expected an IANA time zone such as Europe/Moscow"),
            )
        })?;
        let currency = Currency::new(&self.currency)
            .map_err(|e| ConfigError::invalid("business.currency", e))?;
        let default_language = Language::from_str(&self.default_language)
            .map_err(|e| ConfigError::invalid("business.default_language", e))?;
        if self.name.trim().is_empty() {
            return Err(ConfigError::invalid(
                "business.name",
                Reason("the business name must not be empty"),
            ));
        }
        let optional = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let info = BusinessInfo {
            name: self.name.trim().to_owned(),
            address: optional(&self.address),
            phone: optional(&self.phone),
            email: optional(&self.email),
            website: optional(&self.website),
        };
        Ok((info, currency, default_language, time_zone))
    }
}

impl PolicySection {
    fn validate(&self, time_zone: Tz) -> Result<Policy, ConfigError> {
        Policy::new(PolicySettings {
            time_zone,
            slot_step: minutes("policy.slot_step_minutes", self.slot_step_minutes)?,
            min_notice: minutes("policy.min_notice_minutes", self.min_notice_minutes)?,
            horizon_days: self.horizon_days,
            cancellation_cutoff: minutes(
                "policy.cancellation_cutoff_minutes",
                self.cancellation_cutoff_minutes,
            )?,
            reschedule_cutoff: minutes(
                "policy.reschedule_cutoff_minutes",
                self.reschedule_cutoff_minutes,
            )?,
            max_active_bookings_per_customer: self.max_active_bookings_per_customer,
            requires_confirmation: self.requires_confirmation,
            phone_region: PhoneRegion::new(&self.phone_region)
                .map_err(|e| ConfigError::invalid("policy.phone_region", e))?,
        })
        .map_err(|e| ConfigError::invalid("policy", e))
    }

    fn churn_limits(&self) -> Result<ChurnLimits, ConfigError> {
        ChurnLimits::new(
            self.max_bookings_per_customer_per_day,
            self.max_cancellations_per_customer_per_day,
        )
        .map_err(|e| ConfigError::invalid("policy", e))
    }
}

impl TelegramSection {
    fn conversation_expiry(&self) -> Result<chrono::Duration, ConfigError> {
        let expiry = self.conversation_expiry_minutes;
        if !(1..=7 * 24 * 60).contains(&expiry) {
            return Err(ConfigError::invalid(
                "telegram.conversation_expiry_minutes",
                Reason("expected 1 to 10080 minutes (a week)"),
            ));
        }
        Ok(chrono::Duration::minutes(i64::from(expiry)))
    }

    fn timeouts(&self) -> Result<TelegramTimeouts, ConfigError> {
        let seconds = |n: u32| std::time::Duration::from_secs(u64::from(n));
        if !(1..=60).contains(&self.connect_timeout_seconds) {
            return Err(ConfigError::invalid(
                "telegram.connect_timeout_seconds",
                Reason("expected 1 to 60 seconds"),
            ));
        }
        // Telegram holds a long poll for at most 50 seconds.
        if self.polling_timeout_seconds > 50 {
            return Err(ConfigError::invalid(
                "telegram.polling_timeout_seconds",
                Reason("expected 0 to 50 seconds"),
            ));
        }
        let least = self.polling_timeout_seconds + POLLING_MARGIN_SECONDS;
        if !(least..=300).contains(&self.request_timeout_seconds) {
            return Err(ConfigError::invalid(
                "telegram.request_timeout_seconds",
                format!(
                    "expected {least} to 300 seconds: at least {POLLING_MARGIN_SECONDS} more than \
                     polling_timeout_seconds ({}), or every quiet long poll would time out",
                    self.polling_timeout_seconds
                ),
            ));
        }
        Ok(TelegramTimeouts {
            connect: seconds(self.connect_timeout_seconds),
            request: seconds(self.request_timeout_seconds),
            polling: seconds(self.polling_timeout_seconds),
        })
    }
}

/// Staff members by Telegram user id, and each staff member's chats.
type StaffIds = (BTreeMap<i64, StaffId>, HashMap<StaffId, Vec<i64>>);

impl AdminSection {
    fn validate(
        &self,
        pepper: Option<SecretString>,
        staff_ids: &BTreeSet<StaffId>,
    ) -> Result<AdminSettings, ConfigError> {
        for (setting, ids) in [
            ("admin.allowed_user_ids", &self.allowed_user_ids),
            ("admin.manager_user_ids", &self.manager_user_ids),
        ] {
            if let Some(bad) = ids.iter().find(|id| **id <= 0) {
                return Err(ConfigError::invalid(
                    setting,
                    format!(
                        "{bad} is not a Telegram user id (they are positive; /whoami in the admin bot shows yours)"
                    ),
                ));
            }
        }
        let pin = self
            .pin_hash
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| PinHash::parse(h).map_err(|e| ConfigError::invalid("admin.pin_hash", e)))
            .transpose()?;
        if !(1..=24 * 30).contains(&self.session_hours) {
            return Err(ConfigError::invalid(
                "admin.session_hours",
                Reason("expected 1 to 720 hours (30 days)"),
            ));
        }
        if self.notify_chat_ids.contains(&0) {
            return Err(ConfigError::invalid(
                "admin.notify_chat_ids",
                Reason("0 is not a Telegram chat id"),
            ));
        }
        let (staff_members, by_staff) = self.staff_telegram_ids(staff_ids)?;
        let mut access = match pin {
            Some(pin) if self.allowed_user_ids.is_empty() && self.pin_without_allow_list => {
                AdminBotConfig::pin_only(pin)
            }
            pin => AdminBotConfig::new(self.allowed_user_ids.iter().copied(), pin)
                .map_err(|e| ConfigError::invalid("admin", e))?,
        };
        access.owner_chats = self.notify_chat_ids.clone();
        access.pepper = pepper;
        access.session_lifetime = chrono::Duration::hours(i64::from(self.session_hours));
        access.staff_members = staff_members;
        access.managers = self.manager_user_ids.iter().copied().collect();
        Ok(AdminSettings {
            access,
            staff_chats: StaffChats {
                all: self.notify_chat_ids.clone(),
                by_staff,
            },
        })
    }

    /// `[admin.staff_telegram_ids]`: who each user is, and each staff
    /// member's chats.
    fn staff_telegram_ids(&self, staff_ids: &BTreeSet<StaffId>) -> Result<StaffIds, ConfigError> {
        let mut staff_members = BTreeMap::new();
        let mut by_staff: HashMap<StaffId, Vec<i64>> = HashMap::new();
        for (key, user) in &self.staff_telegram_ids {
            let setting = format!("admin.staff_telegram_ids.{key}");
            let staff = key
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|id| StaffId::new(id).ok())
                .filter(|id| staff_ids.contains(id))
                .ok_or_else(|| {
                    ConfigError::invalid(
                        &setting,
                        Reason("the key must be the id of a staff member in [[staff]]"),
                    )
                })?;
            if *user <= 0 {
                return Err(ConfigError::invalid(
                    &setting,
                    Reason("expected the staff member's Telegram user id (a positive number)"),
                ));
            }
            staff_members.insert(*user, staff);
            // A user's private chat id is their user id.
            by_staff.entry(staff).or_default().push(*user);
        }
        Ok((staff_members, by_staff))
    }
}

impl RemindersSection {
    fn validate(&self) -> Result<EngineSettings, ConfigError> {
        let customer = self
            .customer_offsets_minutes
            .iter()
            .map(|m| minutes("reminders.customer_offsets_minutes", *m))
            .collect::<Result<Vec<_>, _>>()?;
        let staff = self
            .staff_offset_minutes
            .map(|m| minutes("reminders.staff_offset_minutes", m))
            .transpose()?;
        EngineSettings::new(customer, staff).map_err(|e| ConfigError::invalid("reminders", e))
    }
}

impl LifecycleSection {
    fn validate(&self) -> Result<LifecycleSettings, ConfigError> {
        const EXPIRY: &str = "lifecycle.pending_expiry_minutes";
        const REMINDER: &str = "lifecycle.confirmation_reminder_minutes";
        const COMPLETE: &str = "lifecycle.complete_after_minutes";
        // Absent: the recommended value; 0: the rule is off.
        let rule = |setting: &str, value: Option<i64>, recommended: Option<Minutes>| match value {
            None => Ok(recommended),
            Some(0) => Ok(None),
            Some(m) => minutes(setting, m).map(Some),
        };
        let recommended = LifecycleSettings::recommended();
        let expiry = rule(
            EXPIRY,
            self.pending_expiry_minutes,
            recommended.pending_expiry(),
        )?;
        // Without expiry there is no deadline to remind anyone of.
        let reminder = rule(
            REMINDER,
            self.confirmation_reminder_minutes,
            expiry.and(recommended.confirmation_reminder()),
        )?;
        let complete = rule(
            COMPLETE,
            self.complete_after_minutes,
            recommended.complete_after(),
        )?;
        LifecycleSettings::new(expiry, reminder, complete).map_err(|e| {
            let setting = match e {
                InvalidLifecycleSettings::ZeroDelay => "lifecycle",
                InvalidLifecycleSettings::ReminderWithoutExpiry
                | InvalidLifecycleSettings::ReminderNotWithinExpiry { .. } => REMINDER,
            };
            ConfigError::invalid(setting, e)
        })
    }
}

impl DispatchSection {
    /// `request_timeout` is how long one request to Telegram may take: a
    /// claim on a notification must outlast a send, or another instance
    /// takes it over while the send is still running. Unset, the lease is
    /// the default or, with a long request timeout, that timeout and 30 s.
    fn validate(
        &self,
        request_timeout: std::time::Duration,
    ) -> Result<DispatchSettings, ConfigError> {
        let defaults = DispatchSettingsParts::default();
        let request = chrono::Duration::from_std(request_timeout).unwrap_or(chrono::Duration::MAX);
        let claim_lease = match self.claim_lease_seconds {
            Some(seconds) => {
                let lease = chrono::Duration::seconds(i64::from(seconds));
                if lease <= request {
                    return Err(ConfigError::invalid(
                        "dispatch.claim_lease_seconds",
                        format!(
                            "expected more than telegram.request_timeout_seconds ({} s): a send \
                             may take that long, and a claim must outlast it",
                            request.num_seconds()
                        ),
                    ));
                }
                lease
            }
            None => defaults
                .claim_lease
                .max(request + chrono::Duration::seconds(30)),
        };
        let seconds = |value: Option<u32>, default: chrono::Duration| {
            value.map_or(default, |s| chrono::Duration::seconds(i64::from(s)))
        };
        let parts = DispatchSettingsParts {
            batch_size: self.batch_size.unwrap_or(defaults.batch_size),
            concurrency: self.concurrency.unwrap_or(defaults.concurrency),
            per_chat_interval: self
                .per_chat_interval_ms
                .map_or(defaults.per_chat_interval, |ms| {
                    chrono::Duration::milliseconds(i64::from(ms))
                }),
            per_bot_per_second: self
                .per_bot_per_second
                .unwrap_or(defaults.per_bot_per_second),
            first_retry: seconds(self.first_retry_seconds, defaults.first_retry),
            max_retry_delay: seconds(self.max_retry_delay_seconds, defaults.max_retry_delay),
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            poll_interval: seconds(self.poll_interval_seconds, defaults.poll_interval),
            claim_lease,
        };
        DispatchSettings::new(parts).map_err(|e| ConfigError::invalid("dispatch", e))
    }
}

// ---------------------------------------------------------------------------
// Values only the environment sets.

/// `BOOKING_CLIENT_BOT_TOKEN`: required.
pub(crate) fn client_token(raw: Option<&SecretString>) -> Result<BotToken, ConfigError> {
    let raw = raw.ok_or(ConfigError::Missing {
        setting: env::CLIENT_BOT_TOKEN,
        hint: "put the client bot's token from @BotFather in the environment or in .env",
    })?;
    BotToken::parse(raw.expose_secret()).map_err(|e| ConfigError::invalid(env::CLIENT_BOT_TOKEN, e))
}

/// `BOOKING_ADMIN_BOT_TOKEN`: optional.
pub(crate) fn admin_token(raw: Option<&SecretString>) -> Result<Option<BotToken>, ConfigError> {
    raw.map(|raw| {
        BotToken::parse(raw.expose_secret())
            .map_err(|e| ConfigError::invalid(env::ADMIN_BOT_TOKEN, e))
    })
    .transpose()
}

/// The admin bot must be another bot than the client bot: with one bot
/// for both, every customer would be talking to the admin bot's handlers
/// (and to its PIN prompt), and two pollers of one bot fight over its
/// updates. Compared by bot id, so a re-issued secret does not hide it.
pub(crate) fn distinct_bots(
    client: &BotToken,
    admin: Option<&BotToken>,
) -> Result<(), ConfigError> {
    match admin {
        Some(admin) if admin.bot_id() == client.bot_id() => Err(ConfigError::invalid(
            env::ADMIN_BOT_TOKEN,
            Reason(
                "it is the client bot's token (the same bot id): create a second bot with @BotFather for staff",
            ),
        )),
        _ => Ok(()),
    }
}

/// `BOOKING_TELEGRAM_API_URL`, or Telegram's own. Plain `http://` only to
/// a server on this machine (a local Bot API server): anywhere else the
/// tokens, which are in every request's path, would cross the network in
/// clear text.
pub(crate) fn telegram_api_url(raw: Option<&str>) -> Result<Url, ConfigError> {
    let raw = raw.unwrap_or(DEFAULT_TELEGRAM_API_URL);
    let url = Url::parse(raw.trim()).map_err(|e| ConfigError::invalid(env::TELEGRAM_API_URL, e))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::invalid(
            env::TELEGRAM_API_URL,
            Reason(
                "plain http:// is allowed only to this machine (localhost, 127.0.0.1, ::1): use https:// for any other host, since the bot tokens travel in every request",
            ),
        )),
        _ => Err(ConfigError::invalid(
            env::TELEGRAM_API_URL,
            Reason("the URL must start with http:// or https://"),
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
