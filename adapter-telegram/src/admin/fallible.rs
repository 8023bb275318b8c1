//! Steps of a handler tree about failing. dptree's `map_async` cannot
//! fail: its function returns a value, so a store error while checking
//! access or leaving a conversation step would have to be swallowed or
//! smuggled down the tree. [`try_map_async`] ends the update with the error
//! instead, which the dispatcher's error handler logs and counts like any
//! endpoint's. [`answer_refusals`] turns the one expected error every
//! staff endpoint can meet, a refusal by role, into an answer.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::di::Injectable;
use teloxide::dptree::{self, HandlerDescription, HandlerSignature, Type};

use super::ctx::Ctx;
use crate::error::HandlerError;

/// Answers a refusal by role that the rest of the chain ended with
/// ([`HandlerError::Forbidden`]) by telling the user which role may do it,
/// through the update's [`Ctx`]; any other outcome passes unchanged. Put it
/// right after the `Ctx` is made.
pub(super) fn answer_refusals() -> UpdateHandler<HandlerError> {
    dptree::from_fn_with_description(
        DpHandlerDescription::entry(),
        |deps: dptree::di::DependencyMap, cont| async move {
            let ctx = deps.try_get::<Ctx>();
            match (cont(deps).await, ctx) {
                (ControlFlow::Break(Err(HandlerError::Forbidden(refusal))), Some(ctx)) => {
                    ControlFlow::Break(ctx.refuse(refusal).await)
                }
                (outcome, _) => outcome,
            }
        },
        // Needs nothing (the Ctx is optional), adds nothing, passes on.
        HandlerSignature::Other {
            obligations: std::collections::BTreeMap::new(),
            guaranteed_outcomes: BTreeSet::new(),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}

/// Runs `f` with its dependencies: on `Ok(value)` the rest of the chain
/// runs with `value` added to them; on `Err(e)` the update ends with `e`.
pub(super) fn try_map_async<F, T, Args>(f: F) -> UpdateHandler<HandlerError>
where
    F: Injectable<Result<T, HandlerError>, Args> + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    let f = Arc::new(f);
    dptree::from_fn_with_description(
        DpHandlerDescription::map_async(),
        move |deps: dptree::di::DependencyMap, cont| {
            let f = Arc::clone(&f);
            async move {
                let result = f.inject(&deps)().await;
                match result {
                    Ok(value) => {
                        let mut next = deps.clone();
                        next.insert(value);
                        match cont(next).await {
                            ControlFlow::Continue(_) => ControlFlow::Continue(deps),
                            ControlFlow::Break(result) => ControlFlow::Break(result),
                        }
                    }
                    Err(error) => ControlFlow::Break(Err(error)),
                }
            }
        },
        HandlerSignature::Other {
            obligations: F::obligations(),
            guaranteed_outcomes: BTreeSet::from([Type::of::<T>()]),
            conditional_outcomes: BTreeSet::new(),
            continues: true,
        },
    )
}
