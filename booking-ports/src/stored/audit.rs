//! A booking's audit trail in its columns: `created_by`, `confirmed_by` and
//! `confirmed_at_ms`, `closed_by` and `closed_at_ms` (schema level 8).
//!
//! An actor is stored as text, `customer`, `system`, `staff:<role>:<user>`
//! or `staff:<role>:<user>:<member>` (role `owner`, `manager` or `staff`),
//! readable in the database itself and parsed strictly on the way back:
//! anything else is a corrupt record, never a guess.

use crate::error::StoreError;
use booking_domain::{Actor, AuditTrail, StaffId, StaffRole, StaffUser, Stamp};

use super::convert::{self, Record, to_ms};

/// The trail's columns as they are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditColumns {
    pub created_by: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at_ms: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_at_ms: Option<i64>,
}

impl AuditColumns {
    pub fn of(trail: &AuditTrail) -> Self {
        Self {
            created_by: trail.created_by.map(actor_code),
            confirmed_by: trail.confirmed.map(|stamp| actor_code(stamp.by)),
            confirmed_at_ms: trail.confirmed.map(|stamp| to_ms(stamp.at)),
            closed_by: trail.closed.map(|stamp| actor_code(stamp.by)),
            closed_at_ms: trail.closed.map(|stamp| to_ms(stamp.at)),
        }
    }

    /// The trail these columns store, as read from `record`.
    pub fn into_trail(self, record: Record) -> Result<AuditTrail, StoreError> {
        let stamp = |by: Option<String>, at: Option<i64>| -> Result<Option<Stamp>, StoreError> {
            match (by, at) {
                (None, None) => Ok(None),
                (Some(by), Some(at)) => Ok(Some(Stamp {
                    by: parse_actor(record, &by)?,
                    at: convert::instant(record, at)?,
                })),
                _ => Err(record.corrupt("an audit stamp without its actor or time")),
            }
        };
        Ok(AuditTrail {
            created_by: self
                .created_by
                .as_deref()
                .map(|code| parse_actor(record, code))
                .transpose()?,
            confirmed: stamp(self.confirmed_by, self.confirmed_at_ms)?,
            closed: stamp(self.closed_by, self.closed_at_ms)?,
        })
    }
}

/// `actor` as its column text.
pub fn actor_code(actor: Actor) -> String {
    match actor {
        Actor::Customer => "customer".to_owned(),
        Actor::System => "system".to_owned(),
        Actor::Staff {
            user,
            member: None,
            role,
        } => format!("staff:{}:{user}", role.name()),
        Actor::Staff {
            user,
            member: Some(member),
            role,
        } => format!("staff:{}:{user}:{}", role.name(), member.get()),
    }
}

fn parse_actor(record: Record, code: &str) -> Result<Actor, StoreError> {
    let bad = || record.corrupt(format!("an unknown actor {code:?}"));
    match code {
        "customer" => return Ok(Actor::Customer),
        "system" => return Ok(Actor::System),
        _ => {}
    }
    let rest = code.strip_prefix("staff:").ok_or_else(bad)?;
    let mut fields = rest.split(':');
    let role = fields
        .next()
        .and_then(StaffRole::from_name)
        .ok_or_else(bad)?;
    let user = fields.next().and_then(number).ok_or_else(bad)?;
    let member = match fields.next() {
        None => None,
        Some(text) => {
            let id = number(text).ok_or_else(bad)?;
            Some(convert::id(record, id, StaffId::new)?)
        }
    };
    if fields.next().is_some() {
        return Err(bad());
    }
    Ok(Actor::Staff {
        user: StaffUser::new(user),
        member,
        role,
    })
}

/// Digits only, as `actor_code` writes them.
fn number(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record::new("booking", 1)
    }

    #[test]
    fn every_actor_reads_back_as_written() {
        let actors = [
            Actor::Customer,
            Actor::System,
            Actor::Staff {
                user: StaffUser::new(4_242_000_001),
                member: None,
                role: StaffRole::Owner,
            },
            Actor::Staff {
                user: StaffUser::new(7),
                member: Some(StaffId::new(3).unwrap()),
                role: StaffRole::Staff,
            },
            Actor::Staff {
                user: StaffUser::new(8),
                member: None,
                role: StaffRole::Manager,
            },
        ];
        for actor in actors {
            assert_eq!(parse_actor(record(), &actor_code(actor)).unwrap(), actor);
        }
    }

    #[test]
    fn anything_else_is_a_corrupt_record() {
        for code in [
            "",
            "owner",
            "staff",
            "staff:",
            "staff:1",
            "staff:owner",
            "staff:owner:",
            "staff:owner:x",
            "staff:owner:1:",
            "staff:owner:1:0",
            "staff:owner:1:2:3",
            "staff:owner:-1",
            "staff:owner:+1",
            "staff:Owner:1",
            "staff:boss:1",
            "Customer",
        ] {
            assert!(
                matches!(parse_actor(record(), code), Err(StoreError::Corrupt { .. })),
                "{code:?}"
            );
        }
    }
}
