//! `/staff_invite <staff id>`: an owner gets a one-time code for a staff
//! member, who sends `/join <code>` (see `sign_in.rs`) to become their
//! account. The engine's capability table says who may invite; the access
//! gate keeps the invitations.

use booking_domain::StaffId;
use booking_ports::Capability;

use super::ctx::Ctx;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::telegram::Screen;
use crate::ui::admin::catalog::unknown_staff;
use crate::ui::format;

/// `/staff_invite <staff id>`.
pub(super) async fn staff_invite(ctx: Ctx, staff: StaffId) -> Result<(), HandlerError> {
    ctx.actor.require(Capability::StaffAccounts)?;
    let members = ctx
        .engine
        .all_staff(&ctx.actor)
        .await
        .map_err(|e| HandlerError::engine("list staff", e))?;
    let Some(member) = members.iter().find(|m| m.id() == staff) else {
        return ctx.say(&unknown_staff(&ctx.t(), staff)).await;
    };
    let invitation = ctx
        .access
        .invite(staff)
        .await
        .map_err(|e| HandlerError::engine("invite a staff member", e))?;
    let t = ctx.t();
    let text = t.with(
        Msg::AdminInvitation,
        &[
            ("name", member.name().to_string().into()),
            ("code", invitation.code.into()),
            (
                "until",
                format::when(&t, invitation.expires_at, ctx.tz()).into(),
            ),
        ],
    );
    ctx.say(&Screen::text(text)).await
}
