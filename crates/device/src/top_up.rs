//! Prepayment top-up by UTRN (CS01a through an ESME's token gateway, CS01b as a ZSE Consumer
//! Top Up to a GSME): the meter checks the token's check digit and MAC against its supplier's
//! prepayment top-up key (its [`SUPPLIER_PREPAYMENT_TOP_UP`] trust anchor cell), rebuilds the
//! supplier's counter from the ten bits the token carries, so each token is taken once and in
//! order, and adds the value to the meter balance. A refused token changes nothing but raises
//! the alert that says why.

use gbcs::alert::AlertCode;
use gbcs::utrn::Utrn;

use crate::anchors::{AnchorKey, SUPPLIER_PREPAYMENT_TOP_UP};
use crate::date_time::DeviceDateTime;
use crate::engine::Device;
use crate::state::TopUp;

/// Duplicate UTRN entered.
const DUPLICATE_UTRN: AlertCode = AlertCode(0x8F51);
/// UTRN not authentic.
const UTRN_NOT_AUTHENTIC: AlertCode = AlertCode(0x8F63);

/// Why a meter refused a UTRN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TopUpRefusal {
    /// Entered before.
    Duplicate,
    /// Not a UTRN, no prepayment key to check it with, or its MAC does not verify (for this
    /// meter, this supplier, the next counter).
    NotAuthentic,
}

impl Device {
    /// Applies the UTRN `text` at `now`: returns the pence added to the meter balance.
    pub(crate) fn apply_utrn(
        &mut self,
        text: &str,
        now: DeviceDateTime,
    ) -> Result<i32, TopUpRefusal> {
        let outcome = self.authentic_top_up(text);
        let (counter, pence) = match outcome {
            Ok(accepted) => accepted,
            Err(refusal) => {
                let alert = match refusal {
                    TopUpRefusal::Duplicate => DUPLICATE_UTRN,
                    TopUpRefusal::NotAuthentic => UTRN_NOT_AUTHENTIC,
                };
                // The alert reports the refusal; a device type without it still refuses.
                let _ = self.raise(alert, now);
                return Err(refusal);
            }
        };
        let state = &mut self.state;
        state.last_top_up_counter = counter;
        state.meter_balance = state.meter_balance.saturating_add(pence);
        state.accepted_utrns.push(text.to_owned());
        state.top_up_log.push(TopUp {
            utrn: text.to_owned(),
            amount: pence,
            at: now,
        });
        Ok(pence)
    }

    /// The counter and value (pence) of an authentic UTRN the meter has not taken yet.
    fn authentic_top_up(&self, text: &str) -> Result<(u64, i32), TopUpRefusal> {
        if self.state.accepted_utrns.iter().any(|taken| taken == text) {
            return Err(TopUpRefusal::Duplicate);
        }
        let token = Utrn::parse(text).map_err(|_| TopUpRefusal::NotAuthentic)?;
        let anchor = self
            .anchors
            .cell(SUPPLIER_PREPAYMENT_TOP_UP)
            .ok_or(TopUpRefusal::NotAuthentic)?;
        let AnchorKey::KeyAgreement(supplier_key) = &anchor.key else {
            return Err(TopUpRefusal::NotAuthentic);
        };
        let z = self
            .keys
            .key_agreement
            .prepayment_shared_secret(&self.shared_secrets, anchor.party, supplier_key)
            .ok_or(TopUpRefusal::NotAuthentic)?;
        let counter = token
            .counter_after(self.state.last_top_up_counter)
            .ok_or(TopUpRefusal::NotAuthentic)?;
        if !token.verifies(&z, anchor.party, self.device_id(), counter) {
            return Err(TopUpRefusal::NotAuthentic);
        }
        let pence = i32::try_from(token.pence()).map_err(|_| TopUpRefusal::NotAuthentic)?;
        Ok((counter, pence))
    }
}
