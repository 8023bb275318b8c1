//! The part of the policy an owner may change from a bot, over the
//! configuration file's: minimum notice, horizon, the two cutoffs, the
//! confirmation mode and the per-customer limit. The time zone, the slot
//! step and the phone region stay the file's: changing them while bookings
//! exist is an operator's decision, not a button.
//!
//! Each change is stored on its own (one field, one value), so two owners
//! changing two fields at once both keep theirs; a field set from the bot
//! wins over the file until the owner resets the policy to the file's.

use crate::values::Minutes;

use super::policy::{InvalidPolicy, Policy, PolicySettings};

/// One setting changed from the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyChange {
    MinNotice(Minutes),
    HorizonDays(u16),
    CancellationCutoff(Minutes),
    RescheduleCutoff(Minutes),
    RequiresConfirmation(bool),
    MaxActiveBookingsPerCustomer(u16),
}

/// Which setting a [`PolicyChange`] changes, named as in the configuration
/// file's `[policy]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyField {
    MinNotice,
    HorizonDays,
    CancellationCutoff,
    RescheduleCutoff,
    RequiresConfirmation,
    MaxActiveBookingsPerCustomer,
}

/// Why a value cannot be a setting's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPolicyValue {
    #[error("{field} expects minutes from 0 to {max}, got {got}", max = Minutes::MAX.get())]
    Minutes { field: &'static str, got: i64 },
    #[error("{field} expects a whole number, got {got}")]
    NotANumber { field: &'static str, got: String },
    #[error("{field} expects on or off, got {got}")]
    NotOnOff { field: &'static str, got: String },
    #[error(transparent)]
    Policy(#[from] InvalidPolicy),
}

impl PolicyField {
    pub const ALL: [PolicyField; 6] = [
        PolicyField::MinNotice,
        PolicyField::HorizonDays,
        PolicyField::CancellationCutoff,
        PolicyField::RescheduleCutoff,
        PolicyField::RequiresConfirmation,
        PolicyField::MaxActiveBookingsPerCustomer,
    ];

    /// The key in the file's `[policy]` section, and in the store.
    pub fn key(self) -> &'static str {
        match self {
            PolicyField::MinNotice => "min_notice_minutes",
            PolicyField::HorizonDays => "horizon_days",
            PolicyField::CancellationCutoff => "cancellation_cutoff_minutes",
            PolicyField::RescheduleCutoff => "reschedule_cutoff_minutes",
            PolicyField::RequiresConfirmation => "requires_confirmation",
            PolicyField::MaxActiveBookingsPerCustomer => "max_active_bookings_per_customer",
        }
    }

    /// The field named `key` ([`PolicyField::key`]).
    pub fn from_key(key: &str) -> Option<PolicyField> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The change setting this field to `value` as stored (minutes, days,
    /// a count, or 1 and 0 for on and off), checked as the file's is.
    ///
    /// # Errors
    /// [`InvalidPolicyValue`] for a value out of the setting's range.
    pub fn with_stored(self, value: i64) -> Result<PolicyChange, InvalidPolicyValue> {
        let key = self.key();
        let minutes = |value| {
            Minutes::new(value).map_err(|_| InvalidPolicyValue::Minutes {
                field: key,
                got: value,
            })
        };
        let small = |value: i64| {
            u16::try_from(value).map_err(|_| InvalidPolicyValue::NotANumber {
                field: key,
                got: value.to_string(),
            })
        };
        Ok(match self {
            PolicyField::MinNotice => PolicyChange::MinNotice(minutes(value)?),
            PolicyField::HorizonDays => PolicyChange::HorizonDays(small(value)?),
            PolicyField::CancellationCutoff => PolicyChange::CancellationCutoff(minutes(value)?),
            PolicyField::RescheduleCutoff => PolicyChange::RescheduleCutoff(minutes(value)?),
            PolicyField::RequiresConfirmation => match value {
                0 | 1 => PolicyChange::RequiresConfirmation(value == 1),
                _ => {
                    return Err(InvalidPolicyValue::NotOnOff {
                        field: key,
                        got: value.to_string(),
                    });
                }
            },
            PolicyField::MaxActiveBookingsPerCustomer => {
                PolicyChange::MaxActiveBookingsPerCustomer(small(value)?)
            }
        })
    }

    /// The change setting this field to `text` as a person types it: a
    /// whole number, or `on`/`off` for the confirmation mode.
    ///
    /// # Errors
    /// [`InvalidPolicyValue`] for text that is not such a value.
    pub fn parse(self, text: &str) -> Result<PolicyChange, InvalidPolicyValue> {
        let text = text.trim();
        if self == PolicyField::RequiresConfirmation {
            return match text.to_lowercase().as_str() {
                "on" | "yes" | "true" => Ok(PolicyChange::RequiresConfirmation(true)),
                "off" | "no" | "false" => Ok(PolicyChange::RequiresConfirmation(false)),
                _ => Err(InvalidPolicyValue::NotOnOff {
                    field: self.key(),
                    got: text.to_owned(),
                }),
            };
        }
        let value = text
            .parse::<i64>()
            .map_err(|_| InvalidPolicyValue::NotANumber {
                field: self.key(),
                got: text.to_owned(),
            })?;
        self.with_stored(value)
    }
}

impl PolicyChange {
    pub fn field(self) -> PolicyField {
        match self {
            PolicyChange::MinNotice(_) => PolicyField::MinNotice,
            PolicyChange::HorizonDays(_) => PolicyField::HorizonDays,
            PolicyChange::CancellationCutoff(_) => PolicyField::CancellationCutoff,
            PolicyChange::RescheduleCutoff(_) => PolicyField::RescheduleCutoff,
            PolicyChange::RequiresConfirmation(_) => PolicyField::RequiresConfirmation,
            PolicyChange::MaxActiveBookingsPerCustomer(_) => {
                PolicyField::MaxActiveBookingsPerCustomer
            }
        }
    }

    /// The value as stored ([`PolicyField::with_stored`] reads it back).
    pub fn stored_value(self) -> i64 {
        match self {
            PolicyChange::MinNotice(m)
            | PolicyChange::CancellationCutoff(m)
            | PolicyChange::RescheduleCutoff(m) => i64::from(m.get()),
            PolicyChange::HorizonDays(n) | PolicyChange::MaxActiveBookingsPerCustomer(n) => {
                i64::from(n)
            }
            PolicyChange::RequiresConfirmation(on) => i64::from(on),
        }
    }

    fn apply_to(self, settings: &mut PolicySettings) {
        match self {
            PolicyChange::MinNotice(m) => settings.min_notice = m,
            PolicyChange::HorizonDays(n) => settings.horizon_days = n,
            PolicyChange::CancellationCutoff(m) => settings.cancellation_cutoff = m,
            PolicyChange::RescheduleCutoff(m) => settings.reschedule_cutoff = m,
            PolicyChange::RequiresConfirmation(on) => settings.requires_confirmation = on,
            PolicyChange::MaxActiveBookingsPerCustomer(n) => {
                settings.max_active_bookings_per_customer = n;
            }
        }
    }
}

/// The settings changed from the bot, at most one value per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOverrides {
    changes: Vec<PolicyChange>,
}

impl PolicyOverrides {
    /// The overrides of `changes`; a later change of a field replaces an
    /// earlier one.
    pub fn new(changes: impl IntoIterator<Item = PolicyChange>) -> Self {
        changes
            .into_iter()
            .fold(Self::default(), |overrides, change| overrides.with(change))
    }

    /// These overrides with `change` in place of the field's earlier value.
    #[must_use]
    pub fn with(mut self, change: PolicyChange) -> Self {
        self.changes.retain(|c| c.field() != change.field());
        self.changes.push(change);
        self.changes.sort_by_key(|c| c.field());
        self
    }

    /// The changes, one per field, in [`PolicyField`] order.
    pub fn changes(&self) -> &[PolicyChange] {
        &self.changes
    }

    /// Whether `field` is set from the bot.
    pub fn overrides(&self, field: PolicyField) -> bool {
        self.changes.iter().any(|c| c.field() == field)
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// `base` (the file's policy) with these overrides, validated as the
    /// file's is.
    ///
    /// # Errors
    /// [`InvalidPolicy`] when the result is not a valid policy (a horizon
    /// out of range, a limit of zero).
    pub fn apply(&self, base: &Policy) -> Result<Policy, InvalidPolicy> {
        let mut settings = base.settings().clone();
        for change in &self.changes {
            change.apply_to(&mut settings);
        }
        Policy::new(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::policy;

    #[test]
    fn overrides_replace_only_their_own_fields_and_keep_the_files_other_settings() {
        let base = policy();
        let overrides = PolicyOverrides::new([
            PolicyChange::MinNotice(Minutes::new(15).unwrap()),
            PolicyChange::RequiresConfirmation(true),
            PolicyChange::MinNotice(Minutes::new(30).unwrap()),
        ]);
        assert_eq!(overrides.changes().len(), 2, "a later value replaces");
        let policy = overrides.apply(&base).unwrap();
        assert_eq!(policy.min_notice().get(), 30);
        assert!(policy.requires_confirmation());
        assert_eq!(policy.horizon_days(), base.horizon_days());
        assert_eq!(policy.time_zone(), base.time_zone());
    }

    #[test]
    fn values_are_checked_as_the_files_are() {
        assert!(PolicyField::MinNotice.parse("-5").is_err());
        assert!(PolicyField::MinNotice.parse("soon").is_err());
        assert!(PolicyField::RequiresConfirmation.parse("maybe").is_err());
        assert_eq!(
            PolicyField::RequiresConfirmation.parse("Off"),
            Ok(PolicyChange::RequiresConfirmation(false))
        );
        let zero = PolicyOverrides::new([PolicyField::MaxActiveBookingsPerCustomer
            .parse("0")
            .unwrap()]);
        assert_eq!(
            zero.apply(&policy()),
            Err(InvalidPolicy::ZeroActiveBookings)
        );
        let far = PolicyOverrides::new([PolicyField::HorizonDays.parse("400").unwrap()]);
        assert_eq!(far.apply(&policy()), Err(InvalidPolicy::Horizon(400)));
    }

    #[test]
    fn every_change_reads_back_from_its_stored_value() {
        for change in [
            PolicyChange::MinNotice(Minutes::new(90).unwrap()),
            PolicyChange::HorizonDays(60),
            PolicyChange::CancellationCutoff(Minutes::new(0).unwrap()),
            PolicyChange::RescheduleCutoff(Minutes::new(1440).unwrap()),
            PolicyChange::RequiresConfirmation(true),
            PolicyChange::MaxActiveBookingsPerCustomer(3),
        ] {
            let field = PolicyField::from_key(change.field().key()).unwrap();
            assert_eq!(field.with_stored(change.stored_value()), Ok(change));
        }
    }
}
