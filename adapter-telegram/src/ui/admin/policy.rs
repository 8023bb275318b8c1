//! The booking policy as an owner sees it from `/policy`: each setting the
//! bot can change, with the ones changed here marked, since they win over
//! the config file until `/policy reset`.

use booking_domain::PolicyField;
use booking_ports::engine::PolicyView;

use crate::i18n::{Msg, Text};
use crate::telegram::Screen;

/// The policy screen of `view`, under `notice` when given.
pub fn policy(t: &Text<'_>, view: &PolicyView, notice: Option<&str>) -> Screen {
    let p = &view.policy;
    let line = |field: PolicyField, id: Msg, value: i64| {
        let text = t.with(id, &[("value", value.into())]);
        if view.overrides.overrides(field) {
            format!("{text} ✎")
        } else {
            text
        }
    };
    let mut text = String::new();
    if let Some(notice) = notice {
        text.push_str(notice);
        text.push_str("\n\n");
    }
    text.push_str(&t.get(Msg::AdminPolicyTitle));
    for row in [
        line(
            PolicyField::MinNotice,
            Msg::AdminPolicyMinNotice,
            p.min_notice().get().into(),
        ),
        line(
            PolicyField::HorizonDays,
            Msg::AdminPolicyHorizon,
            p.horizon_days().into(),
        ),
        line(
            PolicyField::CancellationCutoff,
            Msg::AdminPolicyCancellationCutoff,
            p.cancellation_cutoff().get().into(),
        ),
        line(
            PolicyField::RescheduleCutoff,
            Msg::AdminPolicyRescheduleCutoff,
            p.reschedule_cutoff().get().into(),
        ),
        line(
            PolicyField::RequiresConfirmation,
            Msg::AdminPolicyConfirmation,
            p.requires_confirmation().into(),
        ),
        line(
            PolicyField::MaxActiveBookingsPerCustomer,
            Msg::AdminPolicyLimit,
            p.max_active_bookings_per_customer().into(),
        ),
    ] {
        text.push('\n');
        text.push_str(&row);
    }
    text.push_str("\n\n");
    text.push_str(&t.get(Msg::AdminPolicyFooter));
    Screen::text(text)
}
