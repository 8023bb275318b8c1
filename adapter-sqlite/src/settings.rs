//! How the store opens its database file: where, how durable, how many
//! connections, how long to wait for a lock.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// What a committed write survives. Every booking is acknowledged to a
/// customer only after its commit returns, so this decides which failures
/// can make an acknowledged booking disappear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL` in WAL mode: every commit is fsynced before it
    /// returns, so a commit survives a crash of the process, of the operating
    /// system and a power loss. The default: an acknowledged booking must not
    /// vanish. Costs one fsync per write transaction (measured here: roughly
    /// 1,100 to 2,400 single-booking commits per second through sqlx).
    #[default]
    SurvivesPowerLoss,
    /// `synchronous=NORMAL` in WAL mode: commits are fsynced at checkpoints
    /// only. A commit survives a crash of the process, but the last
    /// transactions before a power loss or kernel panic may be lost (the
    /// database stays consistent). Several times faster; for machines with
    /// a battery-backed disk or data that can be re-entered.
    SurvivesProcessCrash,
}

impl Durability {
    /// The name used in configuration files: `full` or `normal`, after the
    /// SQLite setting each one selects.
    pub fn config_name(self) -> &'static str {
        match self {
            Self::SurvivesPowerLoss => "full",
            Self::SurvivesProcessCrash => "normal",
        }
    }
}

impl fmt::Display for Durability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.config_name())
    }
}

/// A durability name that is neither `full` nor `normal`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "durability is \"full\" (survives power loss) or \"normal\" (survives a process crash), got {0:?}"
)]
pub struct InvalidDurability(pub String);

impl FromStr for Durability {
    type Err = InvalidDurability;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(Self::SurvivesPowerLoss),
            "normal" => Ok(Self::SurvivesProcessCrash),
            _ => Err(InvalidDurability(s.to_owned())),
        }
    }
}

/// Everything [`crate::SqliteStore::open`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteSettings {
    /// The database file. Created, with its schema, when missing; its
    /// directory must exist. SQLite keeps two companions beside it while it
    /// is open: `<file>-wal` and `<file>-shm`.
    pub path: PathBuf,
    /// See [`Durability`]. Default: [`Durability::SurvivesPowerLoss`].
    pub durability: Durability,
    /// Connections in the pool. WAL lets readers run beside the one writer,
    /// so a few connections keep reads (free slots) from queueing behind a
    /// write. Default: 4. At least 1.
    pub max_connections: u32,
    /// How long a statement waits for another connection's (or process's)
    /// write lock before failing with "database is locked". Default: 5 s.
    pub busy_timeout: Duration,
}

impl SqliteSettings {
    /// The defaults for a database at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            durability: Durability::default(),
            max_connections: 4,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durability_reads_the_sqlite_names_and_defaults_to_full() {
        assert_eq!("FULL".parse(), Ok(Durability::SurvivesPowerLoss));
        assert_eq!(" normal ".parse(), Ok(Durability::SurvivesProcessCrash));
        assert!("off".parse::<Durability>().is_err());
        assert_eq!(Durability::default(), Durability::SurvivesPowerLoss);
        assert_eq!(Durability::SurvivesProcessCrash.to_string(), "normal");
    }
}
