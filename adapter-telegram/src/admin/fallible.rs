//! A step of a handler tree that can fail. dptree's `map_async` cannot:
//! its function returns a value, so a store error while checking access or
//! leaving a conversation step would have to be swallowed or smuggled
//! down the tree. [`try_map_async`] ends the update with the error
//! instead, which the dispatcher's error handler logs and counts like any
//! endpoint's.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use teloxide::dispatching::{DpHandlerDescription, UpdateHandler};
use teloxide::dptree::di::Injectable;
use teloxide::dptree::{self, HandlerDescription, HandlerSignature, Type};

use crate::error::HandlerError;

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
