//! The export as CSV (RFC 4180), written row by row from the engine's
//! export stream with a byte limit, so a period too large for a Telegram
//! document is refused without building the whole file first.

use booking_domain::{Actor, BookingStatus, StaffMember, StaffRole, Stamp};
use booking_ports::{BookingDetails, StoreError};
use chrono_tz::Tz;
use futures::{Stream, StreamExt};

use crate::ui::format;

/// Why no file was produced.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the export exceeds {limit} bytes")]
    TooLarge { limit: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The CSV columns. The last five are the audit trail: who made the
/// booking, who confirmed it and when, who set its final status (completed,
/// no-show, cancelled, moved) and when.
pub const HEADER: &str = "id,date,start,end,status,service,staff,customer,phone,comment,price,\
                          created_at,created_by,confirmed_by,confirmed_at,closed_by,closed_at";

/// Who did something, in the export's own words (a spreadsheet is read by
/// the business, whatever the staff's languages): `customer`, `system`, a
/// staff member's name (with the role in brackets when they acted as owner
/// or manager), or `<role> <Telegram id>` for a staff user who is no staff
/// member (`owner 500`). Empty when nobody is known (bookings stored
/// before trails were kept).
fn actor_cell(actor: Option<Actor>, staff: &[StaffMember]) -> String {
    match actor {
        None => String::new(),
        Some(Actor::Customer) => "customer".to_owned(),
        Some(Actor::System) => "system".to_owned(),
        Some(Actor::Staff {
            member: Some(member),
            role,
            ..
        }) => {
            let name = staff.iter().find(|s| s.id() == member).map_or_else(
                || format!("staff #{}", member.get()),
                |s| s.name().to_string(),
            );
            match role {
                StaffRole::Staff => name,
                other => format!("{name} ({})", other.name()),
            }
        }
        Some(Actor::Staff {
            user,
            member: None,
            role,
        }) => format!("{} {user}", role.name()),
    }
}

/// One field, quoted when it holds a separator, a quote or a line break.
/// A leading `=`, `+`, `-` or `@` gets a `'` so spreadsheets do not run a
/// customer's comment as a formula.
fn field(out: &mut String, value: &str) {
    let guarded = matches!(value.chars().next(), Some('=' | '+' | '-' | '@'));
    let needs_quotes = guarded || value.contains([',', '"', '\n', '\r']);
    if needs_quotes {
        out.push('"');
        if guarded {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// One booking as a CSV line (with its `\r\n`), times in `tz`, staff
/// members in the trail named from `staff`. Public so the command-line
/// export streams the same format to a file.
pub fn row(details: &BookingDetails, tz: Tz, staff: &[StaffMember]) -> String {
    let b = &details.booking;
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    };
    let stamp_at = |stamp: Option<Stamp>| stamp.map(|s| local(s.at)).unwrap_or_default();
    let audit = b.audit();
    let start = b.start().with_timezone(&tz);
    let status = match b.status() {
        BookingStatus::Cancelled(c) => match &c.reason {
            Some(reason) => format!("cancelled: {}", reason.expose()),
            None => "cancelled".to_owned(),
        },
        other => other.name().to_owned(),
    };
    let fields = [
        b.id().get().to_string(),
        start.format("%Y-%m-%d").to_string(),
        start.format("%H:%M").to_string(),
        b.end().with_timezone(&tz).format("%H:%M").to_string(),
        status,
        details
            .service
            .as_ref()
            .map(|s| s.name().to_string())
            .unwrap_or_default(),
        details
            .staff
            .as_ref()
            .map(|s| s.name().to_string())
            .unwrap_or_default(),
        // Staff exports carry the real name and phone: that is their use.
        // The booking's own copy: who it was made for.
        b.booked_for()
            .map(|who| who.name.expose().to_owned())
            .unwrap_or_default(),
        b.booked_for()
            .and_then(|who| who.phone.as_ref())
            .map(|phone| phone.expose().to_owned())
            .unwrap_or_default(),
        b.comment()
            .map(|c| c.expose().to_owned())
            .unwrap_or_default(),
        // The price it was booked at.
        b.price()
            .or_else(|| details.service.as_ref().map(|s| s.price()))
            .map(format::price)
            .unwrap_or_default(),
        local(b.created_at()),
        actor_cell(audit.created_by, staff),
        actor_cell(audit.confirmed.map(|s| s.by), staff),
        stamp_at(audit.confirmed),
        actor_cell(audit.closed.map(|s| s.by), staff),
        stamp_at(audit.closed),
    ];
    let mut line = String::new();
    for (i, value) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        field(&mut line, value);
    }
    line.push_str("\r\n");
    line
}

/// Writes the rows of `bookings` as CSV, stopping as soon as the file
/// would exceed `limit` bytes. Returns the file and its row count.
///
/// # Errors
/// [`ExportError::TooLarge`] past the limit, or the store's error.
pub async fn write_csv<S>(
    bookings: S,
    tz: Tz,
    staff: &[StaffMember],
    limit: u64,
) -> Result<(Vec<u8>, usize), ExportError>
where
    S: Stream<Item = Result<BookingDetails, StoreError>>,
{
    let mut out = Vec::new();
    out.extend_from_slice(HEADER.as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut rows = 0;
    let mut bookings = std::pin::pin!(bookings);
    while let Some(details) = bookings.next().await {
        out.extend_from_slice(row(&details?, tz, staff).as_bytes());
        rows += 1;
        if out.len() as u64 > limit {
            return Err(ExportError::TooLarge { limit });
        }
    }
    Ok((out, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_read_as_names_roles_and_ids() {
        use booking_domain::StaffUser;

        let anna = crate::ui::admin::fixtures::anna();
        let staff = |member, role| {
            Some(Actor::Staff {
                user: StaffUser::new(500),
                member,
                role,
            })
        };
        let staff_list = [anna.clone()];
        assert_eq!(actor_cell(None, &staff_list), "");
        assert_eq!(actor_cell(Some(Actor::Customer), &staff_list), "customer");
        assert_eq!(actor_cell(Some(Actor::System), &staff_list), "system");
        assert_eq!(
            actor_cell(staff(Some(anna.id()), StaffRole::Staff), &staff_list),
            "Anna"
        );
        assert_eq!(
            actor_cell(staff(Some(anna.id()), StaffRole::Manager), &staff_list),
            "Anna (manager)"
        );
        assert_eq!(
            actor_cell(staff(None, StaffRole::Owner), &staff_list),
            "owner 500"
        );
        // A staff member the catalog no longer lists: by id.
        assert_eq!(
            actor_cell(staff(Some(anna.id()), StaffRole::Staff), &[]),
            format!("staff #{}", anna.id().get())
        );
    }

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        field(&mut out, "plain");
        out.push('|');
        field(&mut out, "a, \"b\"");
        out.push('|');
        field(&mut out, "=HYPERLINK(1)");
        assert_eq!(out, "plain|\"a, \"\"b\"\"\"|\"'=HYPERLINK(1)\"");
    }
}
