//! The policy's settings (camelCase keys, all optional), read key by key so that one pass reports
//! every bad key rather than stopping at the first, as a typed serde struct would.
//! May import model and formats; the rules import it, never the other way round.

mod answer;
mod bounds;
mod break_glass;
mod cross_checks;
mod custom_rules;
mod default_values;
mod document;
mod reader;
mod values;

pub use crate::model::findings::SettingsErrors;
pub use answer::{SettingsDocument, validate_settings_payload};
pub use break_glass::{BYPASSABLE, BreakGlass, DEFAULT_VERB};
pub use custom_rules::CustomRule;
pub use default_values::{DEFAULTS_KEYS, DELETION_POLICIES, Defaults, Text};
pub use reader::{Bound, CheckMode};
pub use values::{SETTINGS_KEYS, Settings};
