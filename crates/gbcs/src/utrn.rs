//! Prepayment top-up UTRNs (GBCS section 14): the 20 digits a consumer types into a prepayment
//! meter. The supplier makes a 64-bit Prepayment Top-up Token (PTUT): in its high 32 bits
//! (seven zero bits first) bits 32–41 of the supplier's originator counter, the value class
//! (pennies or pounds) and the value (13 bits); in its low 32 bits the last four bytes of a
//! 16-byte GMAC keyed, as a command's MAC is, by the supplier's prepayment top-up KA key and
//! the meter's KA key. The UTRN is the decimal of PTUT plus a fixed offset (the PPTD, 19
//! digits), then a Verhoeff check digit with GBCS's own tables (section 14.8).
//!
//! The counter's low 32 bits are zero: a meter rebuilds the counter from the ten bits the
//! token carries as the smallest such counter above the last one it accepted, so a token
//! entered twice, or an older one, is refused.

use dcc_model::Eui64;

use crate::crypto::{derive_key, full_length_mac, SharedSecret, TransactionType};

/// Digits in a UTRN.
pub const UTRN_LENGTH: usize = 20;
/// The largest value a token carries (13 bits).
pub const MAXIMUM_VALUE: u16 = 0x1FFF;
/// What is added to the PTUT to make the 19-digit PPTD.
const PPTD_OFFSET: u64 = 7_394_156_990_786_306_048;
/// The counter bits a token carries: bits 32 to 41.
const COUNTER_SHIFT: u32 = 32;
const COUNTER_BITS_MASK: u64 = 0x3FF;
/// The MAC input's tag for a PTUT (between the system titles and the counter).
const PTUT_MAC_TAG: u8 = 0x01;

/// How a token's value is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueClass {
    Pennies,
    Pounds,
}

impl ValueClass {
    fn bits(self) -> u32 {
        match self {
            ValueClass::Pennies => 0,
            ValueClass::Pounds => 1,
        }
    }

    /// The value in pence.
    pub fn pence(self, value: u16) -> u32 {
        match self {
            ValueClass::Pennies => u32::from(value),
            ValueClass::Pounds => u32::from(value) * 100,
        }
    }
}

/// Why text is not a UTRN, or a token cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UtrnError {
    #[error("a UTRN is {UTRN_LENGTH} digits, not {0:?}")]
    NotTwentyDigits(String),
    #[error("the UTRN's check digit is {found}, its first 19 digits call for {expected}")]
    CheckDigit { expected: char, found: char },
    #[error("the UTRN's digits are no prepayment top-up token (outside the PPTD range)")]
    OutOfRange,
    #[error("the UTRN's value class {0} is neither pennies (0) nor pounds (1)")]
    UnknownValueClass(u32),
    #[error("a top-up value is at most {MAXIMUM_VALUE}, not {0}")]
    ValueTooLarge(u32),
    #[error("a top-up counter's low 32 bits are zero, not those of 0x{0:016X}")]
    CounterLowBits(u64),
}

/// A UTRN read back into what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utrn {
    /// Bits 32–41 of the supplier's originator counter.
    pub counter_bits: u16,
    pub value_class: ValueClass,
    pub value: u16,
    /// The PTUT's high 32 bits, as the MAC covers them.
    high: u32,
    /// The last four bytes of the GMAC.
    mac: [u8; 4],
}

impl Utrn {
    /// Reads 20 digits: the check digit, then the PTUT's fields.
    pub fn parse(text: &str) -> Result<Self, UtrnError> {
        if text.len() != UTRN_LENGTH || !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(UtrnError::NotTwentyDigits(text.to_owned()));
        }
        let (pptd_digits, check) = text.split_at(UTRN_LENGTH - 1);
        let expected = check_digit(pptd_digits);
        let found = check.chars().next().unwrap_or('?');
        if expected != found {
            return Err(UtrnError::CheckDigit { expected, found });
        }
        let pptd: u64 = pptd_digits.parse().map_err(|_| UtrnError::OutOfRange)?;
        let ptut = pptd.checked_sub(PPTD_OFFSET).ok_or(UtrnError::OutOfRange)?;
        let high = u32::try_from(ptut >> 32).map_err(|_| UtrnError::OutOfRange)?;
        if high >> 25 != 0 {
            return Err(UtrnError::OutOfRange);
        }
        let value_class = match (high >> 13) & 0b11 {
            0 => ValueClass::Pennies,
            1 => ValueClass::Pounds,
            other => return Err(UtrnError::UnknownValueClass(other)),
        };
        Ok(Self {
            counter_bits: u16::try_from((high >> 15) & 0x3FF).unwrap_or(0),
            value_class,
            value: u16::try_from(high & u32::from(MAXIMUM_VALUE)).unwrap_or(0),
            high,
            mac: u32::try_from(ptut & 0xFFFF_FFFF).unwrap_or(0).to_be_bytes(),
        })
    }

    /// The value in pence.
    pub fn pence(&self) -> u32 {
        self.value_class.pence(self.value)
    }

    /// The smallest counter above `last_accepted` whose bits 32–41 are the token's and whose
    /// low 32 bits are zero: the counter the supplier made the token with, for a meter that
    /// has accepted every earlier token; `None` past the counter's range.
    pub fn counter_after(&self, last_accepted: u64) -> Option<u64> {
        let first = (last_accepted >> COUNTER_SHIFT).checked_add(1)?;
        let wanted = u64::from(self.counter_bits);
        let steps =
            (wanted + COUNTER_BITS_MASK + 1 - (first & COUNTER_BITS_MASK)) & COUNTER_BITS_MASK;
        first
            .checked_add(steps)
            .and_then(|high| high.checked_mul(1 << COUNTER_SHIFT))
    }

    /// Whether the token's MAC verifies for `counter` between `supplier` and `device`, `z`
    /// being their shared secret (the supplier's prepayment KA key and the device's KA key).
    pub fn verifies(&self, z: &SharedSecret, supplier: Eui64, device: Eui64, counter: u64) -> bool {
        let expected = mac(z, supplier, device, counter, self.high);
        expected
            .iter()
            .zip(self.mac.iter())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
    }
}

/// Makes the UTRN of a top-up of `value` (`value_class`) from `supplier` to `device` under
/// `counter` (its low 32 bits zero), `z` being their shared secret.
pub fn make(
    z: &SharedSecret,
    supplier: Eui64,
    device: Eui64,
    counter: u64,
    value_class: ValueClass,
    value: u16,
) -> Result<String, UtrnError> {
    if value > MAXIMUM_VALUE {
        return Err(UtrnError::ValueTooLarge(u32::from(value)));
    }
    if counter & 0xFFFF_FFFF != 0 {
        return Err(UtrnError::CounterLowBits(counter));
    }
    let counter_bits = u32::try_from((counter >> COUNTER_SHIFT) & COUNTER_BITS_MASK).unwrap_or(0);
    let high = (counter_bits << 15) | (value_class.bits() << 13) | u32::from(value);
    let low = mac(z, supplier, device, counter, high);
    let ptut = (u64::from(high) << 32) | u64::from(u32::from_be_bytes(low));
    let pptd = (PPTD_OFFSET + ptut).to_string();
    let check = check_digit(&pptd);
    Ok(format!("{pptd}{check}"))
}

/// The last four bytes of the GMAC over `supplier ‖ device ‖ 01 ‖ counter ‖ PTUT high`.
fn mac(z: &SharedSecret, supplier: Eui64, device: Eui64, counter: u64, high: u32) -> [u8; 4] {
    let key = derive_key(z, supplier, TransactionType::Command, counter, device);
    let mut message = Vec::with_capacity(29);
    message.extend_from_slice(supplier.as_bytes());
    message.extend_from_slice(device.as_bytes());
    message.push(PTUT_MAC_TAG);
    message.extend_from_slice(&counter.to_be_bytes());
    message.extend_from_slice(&high.to_be_bytes());
    let tag = full_length_mac(&key, supplier, &message);
    [tag[12], tag[13], tag[14], tag[15]]
}

/// GBCS table 14.8a: the permutation applied to a digit, by position (mod 8).
const PERMUTATION: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// GBCS table 14.8b: multiplication in the dihedral group D5.
const MULTIPLICATION: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// GBCS table 14.8c: the check digit of the final product (GBCS's own, not the usual inverse).
const CHECK: [u8; 10] = [1, 2, 6, 7, 5, 8, 3, 0, 9, 4];

/// The Verhoeff check digit of `digits` (ASCII digits) as GBCS section 14.8 computes it: the
/// permutation starts at row 4 for the first digit.
pub fn check_digit(digits: &str) -> char {
    let product = digits.bytes().filter(u8::is_ascii_digit).enumerate().fold(
        0u8,
        |product, (position, digit)| {
            let permuted = PERMUTATION[(position + 4) % 8][usize::from(digit - b'0')];
            MULTIPLICATION[usize::from(product)][usize::from(permuted)]
        },
    );
    char::from(b'0' + CHECK[usize::from(product)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyAgreementPrivateKey;

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
    const DEVICE: Eui64 = Eui64::from_u64(0x0800_DB12_3456_7890);

    fn shared_secret() -> SharedSecret {
        let supplier = KeyAgreementPrivateKey::from_scalar(&[7; 32]).unwrap();
        let device = KeyAgreementPrivateKey::from_scalar(&[9; 32]).unwrap();
        SharedSecret::compute(&supplier, device.public_key())
    }

    #[test]
    fn a_made_utrn_reads_back_and_verifies_only_for_its_parties_and_counter() {
        let z = shared_secret();
        let counter = 3 << 32;
        let utrn = make(&z, SUPPLIER, DEVICE, counter, ValueClass::Pounds, 25).unwrap();
        assert_eq!(utrn.len(), UTRN_LENGTH);
        let parsed = Utrn::parse(&utrn).unwrap();
        assert_eq!(parsed.counter_bits, 3);
        assert_eq!(parsed.value_class, ValueClass::Pounds);
        assert_eq!(parsed.value, 25);
        assert_eq!(parsed.pence(), 2_500);
        assert!(parsed.verifies(&z, SUPPLIER, DEVICE, counter));
        assert!(!parsed.verifies(&z, SUPPLIER, DEVICE, counter + (1 << 32)));
        assert!(!parsed.verifies(&z, DEVICE, SUPPLIER, counter));
        let other = SharedSecret::from_bytes([1; 32]);
        assert!(!parsed.verifies(&other, SUPPLIER, DEVICE, counter));
    }

    #[test]
    fn the_check_digit_catches_a_changed_digit_and_a_swap() {
        let utrn = make(
            &shared_secret(),
            SUPPLIER,
            DEVICE,
            1 << 32,
            ValueClass::Pennies,
            150,
        )
        .unwrap();
        let mut changed = utrn.clone().into_bytes();
        changed[7] = if changed[7] == b'9' {
            b'0'
        } else {
            changed[7] + 1
        };
        let changed = String::from_utf8(changed).unwrap();
        assert!(matches!(
            Utrn::parse(&changed),
            Err(UtrnError::CheckDigit { .. })
        ));
        let mut swapped = utrn.into_bytes();
        let position = (0..18).find(|&i| swapped[i] != swapped[i + 1]).unwrap();
        swapped.swap(position, position + 1);
        let swapped = String::from_utf8(swapped).unwrap();
        assert!(matches!(
            Utrn::parse(&swapped),
            Err(UtrnError::CheckDigit { .. })
        ));
    }

    #[test]
    fn text_that_is_no_utrn_is_refused_with_the_reason() {
        assert_eq!(
            Utrn::parse("1234"),
            Err(UtrnError::NotTwentyDigits("1234".into()))
        );
        assert!(matches!(
            Utrn::parse("7394614433204021731X"),
            Err(UtrnError::NotTwentyDigits(_))
        ));
        // Below the PPTD offset, with a right check digit.
        let low = "0000000000000000000";
        let text = format!("{low}{}", check_digit(low));
        assert_eq!(Utrn::parse(&text), Err(UtrnError::OutOfRange));
        // Value class 2 is not defined.
        let pptd = (PPTD_OFFSET + ((2u64 << 13) << 32)).to_string();
        let text = format!("{pptd}{}", check_digit(&pptd));
        assert_eq!(Utrn::parse(&text), Err(UtrnError::UnknownValueClass(2)));
        let z = shared_secret();
        assert_eq!(
            make(&z, SUPPLIER, DEVICE, 1 << 32, ValueClass::Pennies, 8192),
            Err(UtrnError::ValueTooLarge(8192))
        );
        assert_eq!(
            make(&z, SUPPLIER, DEVICE, 5, ValueClass::Pennies, 1),
            Err(UtrnError::CounterLowBits(5))
        );
    }

    #[test]
    fn the_counter_is_the_smallest_above_the_last_accepted_with_the_token_s_bits() {
        let token = |bits: u16| Utrn {
            counter_bits: bits,
            value_class: ValueClass::Pennies,
            value: 1,
            high: 0,
            mac: [0; 4],
        };
        assert_eq!(token(3).counter_after(0), Some(3 << 32));
        assert_eq!(token(3).counter_after(3 << 32), Some(1027 << 32));
        assert_eq!(token(4).counter_after(3 << 32), Some(4 << 32));
        assert_eq!(token(0).counter_after(1023 << 32), Some(1024 << 32));
        assert_eq!(token(1).counter_after((1 << 32) - 1), Some(1 << 32));
        assert_eq!(token(1).counter_after(u64::MAX), None);
    }
}
