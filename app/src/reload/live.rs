//! What a reload changes in the running service: [`Reloadable`], the
//! reloadable settings as one immutable value computed whole from a loaded
//! `Settings`, and [`LiveSettings`], the handles of the running engine and
//! bots it is applied to in one step.

use std::sync::Arc;

use adapter_telegram::admin::{Access, AdminConfigError};
use adapter_telegram::notify::NoticeSettings;
use adapter_telegram::{BusinessInfo, ConversationStorage, Language, Live, Locales};
use booking_domain::Policy;
use booking_ports::{Engine, EngineSettings};

use crate::config::{AdminSettings, Settings};

/// Every setting a reload changes, taken together from one load of the
/// file: the business information and default language, the booking policy
/// (time zone included), the conversation expiry, the reminder offsets and
/// the `[admin]` section.
#[derive(Debug, Clone)]
pub struct Reloadable {
    pub business: BusinessInfo,
    pub default_language: Language,
    pub policy: Policy,
    pub conversation_expiry: chrono::Duration,
    pub reminders: EngineSettings,
    pub admin: Option<AdminSettings>,
}

impl Reloadable {
    /// The reloadable part of `settings`.
    pub fn of(settings: &Settings) -> Self {
        Self {
            business: settings.business.clone(),
            default_language: settings.default_language,
            policy: settings.policy.clone(),
            conversation_expiry: settings.conversation_expiry,
            reminders: settings.engine.clone(),
            admin: settings.admin.clone(),
        }
    }

    /// `settings` with this snapshot in place of its reloadable part; the
    /// rest (restart and catalog settings) stays as it was.
    pub fn over(self, settings: &Settings) -> Settings {
        let Self {
            business,
            default_language,
            policy,
            conversation_expiry,
            reminders,
            admin,
        } = self;
        Settings {
            business,
            default_language,
            policy,
            conversation_expiry,
            engine: reminders,
            admin,
            ..settings.clone()
        }
    }
}

/// The handles through which a reload reaches the running service.
pub struct LiveSettings {
    pub engine: Arc<Engine>,
    pub locales: Arc<Locales>,
    pub business: Live<BusinessInfo>,
    /// Every bot's conversation storage (client, and admin when it runs).
    pub conversations: Vec<Arc<ConversationStorage>>,
    /// The admin bot's access gate; `None` when the admin bot does not run.
    pub admin_access: Option<Arc<Access>>,
    /// The notification sender's time zone and staff chats.
    pub notices: Live<NoticeSettings>,
}

impl std::fmt::Debug for LiveSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSettings")
            .field("admin_bot", &self.admin_access.is_some())
            .finish_non_exhaustive()
    }
}

impl LiveSettings {
    /// Puts `snapshot` in force: first the one step that can refuse (the
    /// admin access gate checks its own settings), then the rest, which
    /// cannot fail, so it is all or nothing.
    ///
    /// # Errors
    /// [`AdminConfigError`] when the access gate refuses the `[admin]`
    /// settings; nothing has changed then.
    pub fn apply(&self, snapshot: &Reloadable) -> Result<(), AdminConfigError> {
        if let (Some(access), Some(admin)) = (&self.admin_access, &snapshot.admin) {
            access.set_config(admin.access.clone())?;
        }
        self.engine.set_policy(snapshot.policy.clone());
        self.engine.set_settings(snapshot.reminders.clone());
        self.locales.set_default_language(snapshot.default_language);
        self.business.set(snapshot.business.clone());
        for conversations in &self.conversations {
            conversations.set_idle_expiry(snapshot.conversation_expiry);
        }
        self.notices.set(NoticeSettings {
            time_zone: snapshot.policy.time_zone(),
            staff_chats: snapshot
                .admin
                .as_ref()
                .map(|a| a.staff_chats.clone())
                .unwrap_or_default(),
        });
        Ok(())
    }
}
