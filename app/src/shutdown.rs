//! Stopping on SIGINT (Ctrl-C) and SIGTERM (systemd, Docker).
//!
//! teloxide's own Ctrl-C handler listens to SIGINT only, so it is not
//! enabled; [`signalled`] waits for either signal and the runner asks each
//! dispatcher to stop. A stopping dispatcher takes no new updates and
//! finishes the ones in flight before `dispatch` returns.

/// Resolves at the first SIGINT or SIGTERM.
pub async fn signalled() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received; stopping"),
                    _ = terminate.recv() => tracing::info!("SIGTERM received; stopping"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the bots");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C received; stopping");
    }
}
