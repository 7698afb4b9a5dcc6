//! The DCC's parties sign the critical commands they originate: the ACB the joins and unjoins
//! it sends on a user's behalf (8.7.2, 8.8.2: CS03A2, CS03C, CS04AC) and the credentials
//! updates of a handover (6.21), the transitional change of supplier party its CS02b (6.23). A
//! user signs its own critical commands (command variant 4, then 5); a command whose originator
//! is a DCC party the DSP holds a DS key of is signed here, before its MAC. A DCC party the DSP
//! holds no key of sends its command unsigned, and the device refuses it.

use std::collections::HashMap;

use dcc_model::{CommandVariant, Eui64};
use gbcs::crypto::SigningKey;
use gbcs::SignatureField;
use tracing::warn;

use crate::rejection::Rejection;
use crate::services::DeviceCommand;

/// The DS keys of the DCC's parties, by party.
#[derive(Debug, Default)]
pub(crate) struct DccSigningKeys(HashMap<Eui64, SigningKey>);

impl DccSigningKeys {
    pub(crate) fn new(keys: Vec<(Eui64, SigningKey)>) -> Self {
        Self(keys.into_iter().collect())
    }

    /// `command` signed by its originator when that is a DCC party and the use case is
    /// critical; a pre-command (command variant 4) stays for its requester to sign.
    pub(crate) fn sign(
        &self,
        command_variant: CommandVariant,
        mut command: DeviceCommand,
    ) -> Result<DeviceCommand, Rejection> {
        let originator = command.apdu.header.originator;
        let critical = command.use_case.protection.command_is_signed();
        if !critical || command_variant == CommandVariant::TransformToPreCommand {
            return Ok(command);
        }
        let Some(key) = self.0.get(&originator) else {
            return Ok(command);
        };
        if matches!(command.apdu.signature, SignatureField::Present(_)) {
            return Ok(command);
        }
        let signature = gbcs::protection::sign_pre_command(&command.apdu.pre_command(), key)
            .map_err(|error| {
                warn!(%error, %originator, "the DCC party's command could not be signed");
                Rejection::CannotCommunicate(format!(
                    "{originator} could not sign its command: {error}"
                ))
            })?;
        command.apdu = command
            .apdu
            .with_signature(SignatureField::Present(signature));
        Ok(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::CommandOrigin;
    use dcc_model::DCC_ACCESS_CONTROL_BROKER as ACB;
    use gbcs::MessageCode;

    const PPMID: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A4);
    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_scalar(&[seed; 32]).expect("a key")
    }

    fn command(code: u16, originator: Eui64) -> DeviceCommand {
        let use_case = gbcs::catalogue::entry(MessageCode(code)).expect("a use case");
        DeviceCommand {
            use_case,
            apdu: gbcs::use_case::command_apdu(use_case.message_code, 7, originator, PPMID, vec![]),
            origin: CommandOrigin::Requester,
        }
    }

    #[test]
    fn a_critical_command_a_dcc_party_originates_is_signed_with_its_key() {
        let keys = DccSigningKeys::new(vec![(ACB, key(1))]);
        // CS03A2 from the ACB (8.7.2).
        let signed = keys
            .sign(CommandVariant::SendOverWan, command(0x00AB, ACB))
            .unwrap();
        gbcs::protection::verify_signature(&signed.apdu, &key(1).verifying_key())
            .expect("signed by the ACB's key");
    }

    #[test]
    fn the_requester_s_pre_commands_and_non_critical_or_unkeyed_commands_stay_unsigned() {
        let keys = DccSigningKeys::new(vec![(ACB, key(1))]);
        let unsigned = |variant, code, originator| {
            let command = keys.sign(variant, command(code, originator)).unwrap();
            !matches!(command.apdu.signature, SignatureField::Present(_))
        };
        // A pre-command the requester signs.
        assert!(unsigned(CommandVariant::TransformToPreCommand, 0x00AB, ACB));
        // CS08, MACed only.
        assert!(unsigned(CommandVariant::SendOverWan, 0x0129, ACB));
        // A supplier's own critical command, which it signs (command variant 5).
        assert!(unsigned(CommandVariant::SendOverWan, 0x00AB, SUPPLIER));
        // A DCC party whose key the DSP does not hold.
        let none = DccSigningKeys::default();
        let command = none
            .sign(
                CommandVariant::SendOverWan,
                command(0x0107, dcc_model::DCC_TRANSITIONAL_CHANGE_OF_SUPPLIER),
            )
            .unwrap();
        assert!(!matches!(
            command.apdu.signature,
            SignatureField::Present(_)
        ));
    }
}
