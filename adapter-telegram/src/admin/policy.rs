//! `/policy`: owners see the booking policy, change one setting, or go back
//! to the config file's. The engine checks the role and the value (as the
//! config file's); this module turns its answers into messages.

use booking_domain::InvalidPolicy;
use booking_ports::engine::{ChangePolicyError, PolicyError};

use super::commands::PolicyCommand;
use super::ctx::Ctx;
use crate::error::HandlerError;
use crate::i18n::Msg;
use crate::ui::admin::policy::policy as policy_screen;

/// `/policy`, `/policy reset`, `/policy <setting> <value>`.
pub(super) async fn policy(ctx: Ctx, command: PolicyCommand) -> Result<(), HandlerError> {
    let t = ctx.t();
    let (view, notice) = match command {
        PolicyCommand::Show => (ctx.engine.policy_view(&ctx.actor).map_err(refused)?, None),
        PolicyCommand::Reset => (
            ctx.engine.reset_policy(&ctx.actor).await.map_err(refused)?,
            Some(t.get(Msg::AdminPolicyWasReset)),
        ),
        PolicyCommand::Set(change) => match ctx.engine.change_policy(&ctx.actor, change).await {
            Ok(view) => (view, Some(t.get(Msg::AdminPolicySaved))),
            Err(ChangePolicyError::Invalid(invalid)) => {
                return ctx
                    .say_text(match invalid {
                        InvalidPolicy::Horizon(_) => Msg::AdminPolicyInvalidHorizon,
                        InvalidPolicy::ZeroActiveBookings => Msg::AdminPolicyInvalidLimit,
                        // The bot cannot change the slot step.
                        InvalidPolicy::SlotStep(_) => Msg::AdminUsagePolicy,
                    })
                    .await;
            }
            Err(ChangePolicyError::Forbidden(refusal)) => return Err(refusal.into()),
            Err(ChangePolicyError::Store(e)) => {
                return Err(HandlerError::engine("change the policy", e));
            }
        },
    };
    ctx.say(&policy_screen(&t, &view, notice.as_deref())).await
}

fn refused(error: PolicyError) -> HandlerError {
    match error {
        PolicyError::Forbidden(refusal) => refusal.into(),
        PolicyError::Store(e) => HandlerError::engine("read the policy", e),
    }
}
