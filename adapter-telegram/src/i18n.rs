//! Every user-facing string, per language, from Fluent locale files.
//!
//! The texts live in `locales/<lang>.ftl` (Project Fluent syntax), compiled
//! into the binary. Fluent was chosen over hand-written tables because it
//! selects plural forms with the CLDR rules (`intl_pluralrules`), so Russian
//! gets its one/few/many forms ("1 день", "2 дня", "5 дней", "21 день")
//! without code, and translators edit plain text files.
//!
//! A user's language comes from their Telegram client (`language_code`);
//! when we have no translation for it, the business's default applies.

use std::collections::BTreeSet;
use std::fmt;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast::Entry;
use unic_langid::LanguageIdentifier;

use crate::live::Live;

// `pub enum Msg`: one variant per message of `locales/en.ftl`, written by
// build.rs, so a message id in the code is checked by the compiler.
include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// A language the bots speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    English,
    Russian,
}

impl Language {
    /// Every language with a locale file.
    pub const ALL: [Language; 2] = [Language::English, Language::Russian];

    /// The ISO 639-1 code, as Telegram reports it.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Russian => "ru",
        }
    }

    /// The language of an IETF tag such as `ru`, `en-GB` or `pt-br`, when we
    /// have a translation for it.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    fn source(self) -> &'static str {
        match self {
            Language::English => include_str!("../locales/en.ftl"),
            Language::Russian => include_str!("../locales/ru.ftl"),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language tag we have no translation for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a supported language; supported: en, ru")]
pub struct UnsupportedLanguage(pub String);

impl std::str::FromStr for Language {
    type Err = UnsupportedLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::from_tag(s).ok_or_else(|| UnsupportedLanguage(s.to_owned()))
    }
}

/// A locale file that does not load. The files are compiled in, so this is
/// a build defect that a unit test catches; it is still an error rather than
/// a panic so that startup reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocaleError {
    #[error("locales/{language}.ftl does not parse: {details}")]
    Syntax { language: Language, details: String },
    #[error("locales/{language}.ftl defines {id} twice")]
    Duplicate { language: Language, id: String },
    #[error("locales/{language}.ftl lacks {missing:?}, which locales/{reference}.ftl has")]
    Missing {
        language: Language,
        reference: Language,
        missing: Vec<String>,
    },
}

struct Bundle {
    language: Language,
    bundle: FluentBundle<FluentResource>,
}

/// All loaded languages and the business default.
pub struct Locales {
    bundles: Vec<Bundle>,
    /// Replaced when the config file is reloaded.
    default: Live<Language>,
}

impl fmt::Debug for Locales {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locales")
            .field(
                "languages",
                &self.bundles.iter().map(|b| b.language).collect::<Vec<_>>(),
            )
            .field("default", &self.default_language())
            .finish()
    }
}

fn message_ids(resource: &FluentResource) -> BTreeSet<String> {
    resource
        .entries()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some(message.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

impl Locales {
    /// Loads every locale file and checks that they define the same messages,
    /// so no language silently falls back to a message id.
    ///
    /// # Errors
    /// [`LocaleError`] naming the file and what is wrong with it.
    pub fn load(default: Language) -> Result<Self, LocaleError> {
        let mut bundles = Vec::new();
        let mut reference: Option<(Language, BTreeSet<String>)> = None;
        for language in Language::ALL {
            let resource =
                FluentResource::try_new(language.source().to_owned()).map_err(|(_, errors)| {
                    LocaleError::Syntax {
                        language,
                        details: errors
                            .iter()
                            .map(|e| format!("{e:?}"))
                            .collect::<Vec<_>>()
                            .join("; "),
                    }
                })?;
            let ids = message_ids(&resource);
            match &reference {
                None => reference = Some((language, ids)),
                Some((reference_language, reference_ids)) => {
                    let missing: Vec<String> =
                        reference_ids.symmetric_difference(&ids).cloned().collect();
                    if !missing.is_empty() {
                        return Err(LocaleError::Missing {
                            language,
                            reference: *reference_language,
                            missing,
                        });
                    }
                }
            }
            let langid: LanguageIdentifier =
                language.code().parse().map_err(|e| LocaleError::Syntax {
                    language,
                    details: format!("{e}"),
                })?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Unicode isolation marks around placeables help right-to-left
            // scripts in browsers; in Telegram messages they show up as
            // stray characters when copied, and we have no RTL locale.
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).map_err(|errors| {
                let id = errors.first().map(|e| format!("{e}")).unwrap_or_default();
                LocaleError::Duplicate { language, id }
            })?;
            bundles.push(Bundle { language, bundle });
        }
        Ok(Self {
            bundles,
            default: Live::new(default),
        })
    }

    /// The business's default language.
    pub fn default_language(&self) -> Language {
        *self.default.get()
    }

    /// Makes `language` the default for users without a translation of
    /// their own (a config reload).
    pub fn set_default_language(&self, language: Language) {
        self.default.set(language);
    }

    /// The language for a user whose client reports `tag`.
    pub fn language_for(&self, tag: Option<&str>) -> Language {
        tag.and_then(Language::from_tag)
            .unwrap_or_else(|| self.default_language())
    }

    /// The texts in `language`.
    pub fn text(&self, language: Language) -> Text<'_> {
        let bundle = self
            .bundles
            .iter()
            .find(|b| b.language == language)
            .or_else(|| self.bundles.first());
        Text { bundle }
    }

    /// Every label that a keyboard button may carry, in every language. A
    /// text equal to one of these was typed by a button, not by a person.
    pub fn is_button_label(&self, text: &str) -> bool {
        let wanted = normalise_label(text);
        if wanted.is_empty() {
            return false;
        }
        self.bundles.iter().any(|b| {
            let text = Text { bundle: Some(b) };
            BUTTON_LABELS
                .iter()
                .any(|id| normalise_label(&text.get(*id)) == wanted)
        })
    }
}

impl Locales {
    /// Whether `text` is the label of button `id` in any language, as a
    /// reply-keyboard button sends it (or as typed, in any case).
    pub fn matches_button(&self, text: &str, id: Msg) -> bool {
        let wanted = normalise_label(text);
        !wanted.is_empty()
            && self
                .bundles
                .iter()
                .any(|b| normalise_label(&Text { bundle: Some(b) }.get(id)) == wanted)
    }
}

/// Lower case, without emoji and punctuation around the words, so "⬅️ Back"
/// and "back" compare equal.
fn normalise_label(text: &str) -> String {
    text.split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The message ids of button labels (see [`Locales::is_button_label`]).
pub(crate) const BUTTON_LABELS: &[Msg] = &[
    Msg::BtnBook,
    Msg::BtnMyBookings,
    Msg::BtnAbout,
    Msg::BtnBack,
    Msg::BtnCancel,
    Msg::BtnMenu,
    Msg::BtnAnyStaff,
    Msg::BtnSharePhone,
    Msg::BtnSkipComment,
    Msg::BtnConfirm,
    Msg::BtnMyData,
    Msg::BtnEraseData,
    Msg::BtnCancelBooking,
    Msg::BtnReschedule,
    Msg::BtnYesCancel,
    Msg::BtnYesErase,
    Msg::BtnKeep,
    Msg::BtnEarlier,
    Msg::BtnLater,
];

/// The texts of one language.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    bundle: Option<&'a Bundle>,
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Text")
            .field(&self.bundle.map(|b| b.language))
            .finish()
    }
}

/// An argument of a message: text or a number (numbers select plural forms).
pub type Arg<'a> = FluentValue<'a>;

impl Text<'_> {
    /// The language of these texts.
    pub fn language(&self) -> Language {
        self.bundle.map_or(Language::English, |b| b.language)
    }

    /// The message `id` without arguments.
    pub fn get(&self, id: Msg) -> String {
        self.format(id, None)
    }

    /// The message `id` with named arguments.
    pub fn with(&self, id: Msg, args: &[(&str, Arg<'_>)]) -> String {
        let args: FluentArgs<'_> = args
            .iter()
            .map(|(name, value)| (*name, value.clone()))
            .collect();
        self.format(id, Some(&args))
    }

    fn format(&self, message: Msg, args: Option<&FluentArgs<'_>>) -> String {
        let id = message.id();
        let Some(bundle) = self.bundle else {
            return id.to_owned();
        };
        let Some(pattern) = bundle.bundle.get_message(id).and_then(|m| m.value()) else {
            // `Msg` comes from the English file and the load check makes
            // every language define the same ids, so this cannot happen;
            // the id is more useful than nothing.
            tracing::error!(id, language = %bundle.language, "missing message");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::error!(id, language = %bundle.language, ?errors, "message did not format");
        }
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locales() -> Locales {
        Locales::load(Language::English).unwrap()
    }

    #[test]
    fn every_locale_loads_with_the_same_messages() {
        let locales = locales();
        assert_eq!(locales.bundles.len(), Language::ALL.len());
    }

    #[test]
    fn russian_plural_forms_follow_cldr() {
        let locales = locales();
        let ru = locales.text(Language::Russian);
        let days = |n: i64| ru.with(Msg::DaysAhead, &[("count", n.into())]);
        assert_eq!(days(1), "1 день");
        assert_eq!(days(2), "2 дня");
        assert_eq!(days(5), "5 дней");
        assert_eq!(days(11), "11 дней");
        assert_eq!(days(21), "21 день");
        assert_eq!(days(24), "24 дня");
        let en = locales.text(Language::English);
        assert_eq!(en.with(Msg::DaysAhead, &[("count", 1.into())]), "1 day");
        assert_eq!(en.with(Msg::DaysAhead, &[("count", 3.into())]), "3 days");
    }

    #[test]
    fn the_users_language_wins_and_the_default_covers_the_rest() {
        let locales = Locales::load(Language::Russian).unwrap();
        assert_eq!(locales.language_for(Some("en-GB")), Language::English);
        assert_eq!(locales.language_for(Some("ru")), Language::Russian);
        assert_eq!(locales.language_for(Some("de")), Language::Russian);
        assert_eq!(locales.language_for(None), Language::Russian);
    }

    #[test]
    fn a_new_default_language_covers_users_without_a_translation() {
        let locales = Locales::load(Language::Russian).unwrap();

        locales.set_default_language(Language::English);

        assert_eq!(locales.language_for(Some("de")), Language::English);
        assert_eq!(locales.language_for(Some("ru")), Language::Russian);
        assert_eq!(locales.default_language(), Language::English);
    }

    #[test]
    fn button_labels_are_recognised_in_any_language_and_case() {
        let locales = locales();
        let back = locales.text(Language::English).get(Msg::BtnBack);
        assert!(locales.is_button_label(&back));
        assert!(locales.is_button_label("BACK"));
        assert!(locales.is_button_label(&locales.text(Language::Russian).get(Msg::BtnCancel)));
        assert!(!locales.is_button_label("Anna Petrova"));
    }

    /// Every message formats in every language with the arguments the
    /// English text names, so no language shows a customer a raw id or a
    /// Fluent error marker.
    #[test]
    fn every_message_formats_in_every_language() {
        let locales = locales();
        for language in Language::ALL {
            let text = locales.text(language);
            for &message in Msg::ALL {
                let args: Vec<(&str, Arg<'_>)> = message
                    .arguments()
                    .iter()
                    .map(|name| (*name, Arg::from(2)))
                    .collect();
                let formatted = text.with(message, &args);
                assert_ne!(formatted, message.id(), "{language}: {message:?}");
                assert!(
                    !formatted.contains("{$") && !formatted.contains("{???}"),
                    "{language}: {message:?} left a placeholder: {formatted}"
                );
            }
        }
    }

    /// A translation uses only the arguments the code passes, which are the
    /// ones the English text names.
    #[test]
    fn translations_use_only_the_english_arguments() {
        let locales = locales();
        for bundle in &locales.bundles {
            for &message in Msg::ALL {
                let args: FluentArgs<'_> = message
                    .arguments()
                    .iter()
                    .map(|name| (*name, Arg::from("x")))
                    .collect();
                let pattern = bundle
                    .bundle
                    .get_message(message.id())
                    .and_then(|m| m.value())
                    .unwrap();
                let mut errors = Vec::new();
                bundle
                    .bundle
                    .format_pattern(pattern, Some(&args), &mut errors);
                assert!(
                    errors.is_empty(),
                    "{}: {message:?} needs more than {:?}: {errors:?}",
                    bundle.language,
                    message.arguments()
                );
            }
        }
    }

    #[test]
    fn every_button_label_exists() {
        let locales = locales();
        for language in Language::ALL {
            for id in BUTTON_LABELS {
                assert_ne!(
                    locales.text(language).get(*id),
                    id.id(),
                    "{language}: {id:?}"
                );
            }
        }
    }
}
