//! Who the staff users are beyond the config file: users who joined with an
//! owner's invitation (`/join`), and the language each staff user reads the
//! bot in. Kept in memory, loaded from the [`StaffAccessStore`] at start and
//! written through on every change, because the notification sender asks
//! for chats and languages synchronously, message by message.
//!
//! Several instances on one store would each see the others' joins only
//! after a restart; today one process runs (the run lock).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

use booking_domain::StaffId;
use booking_ports::{StaffAccessStore, StoreError};

use crate::i18n::Language;

/// The staff accounts and languages, shared by the admin bot and the
/// notification sender. Cheap to clone; clones share one directory.
#[derive(Debug, Clone, Default)]
pub struct StaffDirectory {
    inner: Arc<RwLock<Directory>>,
}

#[derive(Debug, Default)]
struct Directory {
    /// The staff member each joined user is.
    members: BTreeMap<i64, StaffId>,
    /// The language each staff user last used the bot in.
    languages: HashMap<i64, Language>,
}

impl StaffDirectory {
    /// Replaces the directory with what `store` holds.
    ///
    /// # Errors
    /// [`StoreError`] when the store fails; the directory is unchanged.
    pub async fn load(&self, store: &dyn StaffAccessStore) -> Result<(), StoreError> {
        let accounts = store.staff_accounts().await?;
        let mut loaded = Directory::default();
        for account in accounts {
            let user = account.user.get();
            if let Some(member) = account.member {
                loaded.members.insert(user, member);
            }
            if let Some(language) = account.language.as_deref().and_then(Language::from_tag) {
                loaded.languages.insert(user, language);
            }
        }
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = loaded;
        Ok(())
    }

    /// The staff member `user` joined as, if they did.
    pub fn member_of(&self, user: i64) -> Option<StaffId> {
        self.read(|d| d.members.get(&user).copied())
    }

    /// The users who joined as `member`.
    pub fn users_of(&self, member: StaffId) -> Vec<i64> {
        self.read(|d| {
            d.members
                .iter()
                .filter(|(_, m)| **m == member)
                .map(|(user, _)| *user)
                .collect()
        })
    }

    /// The language `user` last used the bot in, if recorded.
    pub fn language_of(&self, user: i64) -> Option<Language> {
        self.read(|d| d.languages.get(&user).copied())
    }

    /// Records that `user` joined as `member`, reading in `language`.
    pub fn joined(&self, user: i64, member: StaffId, language: Language) {
        let mut d = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        d.members.insert(user, member);
        d.languages.insert(user, language);
    }

    /// Records the language `user` reads the bot in.
    pub fn set_language(&self, user: i64, language: Language) {
        self.inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .languages
            .insert(user, language);
    }

    fn read<T>(&self, f: impl FnOnce(&Directory) -> T) -> T {
        f(&self.inner.read().unwrap_or_else(PoisonError::into_inner))
    }
}
