//! The `validate_settings` answer policy-server asks for, from the raw payload.

use super::values::Settings;
use crate::model::findings::{MAX_MESSAGE_BYTES, one_line};
use crate::model::node::Node;
use kubewarden_policy_sdk::settings::{SettingsValidationResponse, Validatable};

/// The settings document as policy-server hands it over, checked by `Validatable`.
pub struct SettingsDocument<'a>(pub Node<'a>);

impl Validatable for SettingsDocument<'_> {
    fn validate(&self) -> Result<(), String> {
        Settings::from_node(&self.0)
            .map(|_| ())
            .map_err(|errors| errors.to_string())
    }
}

/// The `validate_settings` answer for a raw payload; a payload that is not JSON is invalid
/// settings, not an error of the module.
pub fn validate_settings_payload(payload: &[u8]) -> SettingsValidationResponse {
    let result = serde_json::from_slice::<Node>(payload)
        .map(SettingsDocument)
        .map_err(|error| format!("settings are not valid JSON: {error}"))
        .and_then(|document| document.validate());
    match result {
        Ok(()) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(message) => SettingsValidationResponse {
            valid: false,
            message: Some(one_line(&message, MAX_MESSAGE_BYTES).into_owned()),
        },
    }
}
