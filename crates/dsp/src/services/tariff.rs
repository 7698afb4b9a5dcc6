//! Tariff services: 1.1.1 Update Import Tariff (Primary Element) → ECS01a on an ESME, GCS01a on
//! a GSME; 1.1.2 Update Import Tariff (Secondary Element) → ECS01c; 1.2.1 Update Price (Primary
//! Element) → ECS01b, GCS01b; 1.2.2 Update Price (Secondary Element) → ECS01d. All are critical
//! and may be future dated on the device (`ExecutionDateTime`; DUIS's 3000-12-31T00:00:00Z
//! cancels a pending one). Commands over 1,200 bytes (ECS01a) stay one APDU here: GBT
//! segmentation happens on the HAN.

pub(super) mod calendar;
pub(super) mod objects;

use dcc_model::DeviceType;
use duis::catalogue::ServiceDefinition;
use duis::BodyElement;
use gbcs::catalogue::MessageCodeEntry;
use gbcs::dlms::Data;
use gbcs::zse::calendar::{ScheduleEntry, CALENDAR_TYPE_DELIVERED};
use gbcs::zse::price::{
    PublishBlockThresholds, PublishPriceMatrix, PublishTariffInformation, TierBlockThresholds,
    BLOCK_THRESHOLDS_ALL_TIERS, CURRENCY_EUR, CURRENCY_GBP, PRICE_MATRIX_BLOCK, PRICE_MATRIX_TOU,
    TARIFF_TYPE_BLOCK, TARIFF_TYPE_TOU, UNIT_OF_MEASURE_KWH,
};
use gbcs::zse::{numbered, ClusterCommand, Uint24, Uint48, UtcTime};

use self::calendar::{
    check_references, distinct, issuer_event_id, read_gas_seasons, zcl_special_days, Activation,
    DateSchema, ElectricitySwitchingTable, GsmeCalendar, MeterElement, SpecialDay, WeekProfile,
    CANCEL_PUBLISHED_START_TIME, CANCEL_START_TIME, ELECTRICITY_DAY_IDS, PROVIDER_ID,
};
use self::objects::{attribute, AccessRequest, CosemObject};
use self::objects::{
    ACTIVE_IMPORT_REGISTER, CURRENCY_UNIT, SECONDARY_ELEMENT_ACTIVE_IMPORT_REGISTER,
    SECONDARY_TARIFF_TOU_PRICE_MATRIX, STANDING_CHARGE, TARIFF_BLOCK_PRICE_MATRIX_TOU,
    TARIFF_SWITCHING_TABLE, TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT,
    TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT_SPECIAL_DAYS,
    TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT_SPECIAL_DAYS_ACTIVATION,
    TARIFF_SWITCHING_TABLE_SPECIAL_DAYS, TARIFF_SWITCHING_TABLE_SPECIAL_DAYS_ACTIVATION,
    TARIFF_THRESHOLD_MATRIX, TARIFF_THRESHOLD_MATRIX_BLOCKS,
};
use super::body_reader::Element;
use super::{
    not_for_device_type, run, use_case_named, CommandContext, DeviceCommand, ServiceRequest,
    Transform,
};
use crate::rejection::Rejection;

pub(super) const SERVICES: &[(&str, Transform)] = &[
    ("1.1.1", run::<UpdateImportTariffPrimaryElement>),
    ("1.1.2", run::<UpdateImportTariffSecondaryElement>),
    ("1.2.1", run::<UpdatePricePrimaryElement>),
    ("1.2.2", run::<UpdatePriceSecondaryElement>),
];

/// Which meter a body's content is for (DUIS bodies choose electricity or gas elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fuel {
    Electricity,
    Gas,
}

/// The use case for the target, `electricity` on an ESME or `gas` on a GSME, when the body's
/// content (if it says) is for that meter; with the meter's fuel.
pub(super) fn use_case_for_fuel(
    service: &ServiceDefinition,
    context: &CommandContext,
    body_fuel: Option<Fuel>,
    (electricity, gas): (&str, &str),
) -> Result<(&'static MessageCodeEntry, Fuel), Rejection> {
    let (device_fuel, id) = match context.device_type {
        DeviceType::ElectricitySmartMeter => (Fuel::Electricity, electricity),
        DeviceType::GasSmartMeter => (Fuel::Gas, gas),
        other => return Err(not_for_device_type(service, other)),
    };
    if body_fuel.is_some_and(|fuel| fuel != device_fuel) {
        return Err(Rejection::Malformed(format!(
            "{} holds {} elements, which a {} does not take",
            service.body_element,
            match device_fuel {
                Fuel::Electricity => "gas",
                Fuel::Gas => "electricity",
            },
            context.device_type
        )));
    }
    Ok((
        use_case_named(service, id, context.device_type)?,
        device_fuel,
    ))
}

/// `CurrencyUnits`: pounds sterling or euro (`ECB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Currency {
    PoundsSterling,
    Euro,
}

impl Currency {
    fn read(element: &Element<'_>) -> Result<Self, Rejection> {
        match element
            .child("CurrencyUnits")?
            .enumeration(&["GBP", "ECB"])?
        {
            0 => Ok(Self::PoundsSterling),
            _ => Ok(Self::Euro),
        }
    }

    /// The ESME's currency unit: true for pounds sterling.
    fn cosem(self) -> Data {
        Data::Boolean(match self {
            Self::PoundsSterling => 0xFF,
            Self::Euro => 0x00,
        })
    }

    /// The ISO 4217 code of ZSE tariff information.
    fn zse(self) -> u16 {
        match self {
            Self::PoundsSterling => CURRENCY_GBP,
            Self::Euro => CURRENCY_EUR,
        }
    }
}

/// Prices are per kWh while the registers count Wh: the commodity scale of unit charges.
const COMMODITY_SCALE_PER_KILOWATT_HOUR: i8 = 3;
/// The number of TOU rates of the primary element's price matrix.
const PRIMARY_TOU_RATES: usize = 48;
/// The TOU rates that have block prices, and the blocks of each.
const BLOCK_TARIFF_RATES: usize = 8;
const BLOCKS: usize = 4;
/// The number of TOU rates of the secondary element.
const SECONDARY_TOU_RATES: usize = 4;

/// A COSEM unit charge (charge attribute 6): scaling, commodity and the (index, price) table.
pub(super) fn unit_charge(
    commodity_scale: i8,
    price_scale: i8,
    commodity: Option<CosemObject>,
    table: Vec<(Vec<u8>, i16)>,
) -> Data {
    let commodity = match commodity {
        Some(register) => Data::Structure(vec![
            Data::LongUnsigned(register.class_id),
            register.logical_name(),
            Data::Integer(attribute::REGISTER_VALUE as i8),
        ]),
        None => Data::Structure(vec![
            Data::LongUnsigned(0),
            Data::OctetString(vec![0; 6]),
            Data::Integer(0),
        ]),
    };
    Data::Structure(vec![
        Data::Structure(vec![
            Data::Integer(commodity_scale),
            Data::Integer(price_scale),
        ]),
        commodity,
        Data::Array(
            table
                .into_iter()
                .map(|(index, price)| {
                    Data::Structure(vec![Data::OctetString(index), Data::Long(price)])
                })
                .collect(),
        ),
    ])
}

/// `ElecPriceElementsPrimary`: standing charge and the primary element's price matrix (TOU
/// prices, block prices, or both for a hybrid tariff; prices not given are zero).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ElectricityPrimaryPrices {
    standing_charge: i16,
    standing_charge_scale: i8,
    price_scale: i8,
    tou_prices: [i16; PRIMARY_TOU_RATES],
    /// By TOU rate 1–8, then block 1–4.
    block_prices: [[i16; BLOCKS]; BLOCK_TARIFF_RATES],
}

impl ElectricityPrimaryPrices {
    fn read(element: &Element<'_>) -> Result<Self, Rejection> {
        element.only(&[
            "StandingCharge",
            "StandingChargeScale",
            "PriceScale",
            "BlockTariff",
            "TOUTariff",
            "HybridTariff",
        ])?;
        let mut prices = Self {
            standing_charge: element.number("StandingCharge")?,
            standing_charge_scale: element.number("StandingChargeScale")?,
            price_scale: element.number("PriceScale")?,
            tou_prices: [0; PRIMARY_TOU_RATES],
            block_prices: [[0; BLOCKS]; BLOCK_TARIFF_RATES],
        };
        let (which, tariff) = element.choice(&["BlockTariff", "TOUTariff", "HybridTariff"])?;
        let (blocks, tous) = match which {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        let mut allowed = Vec::new();
        if blocks {
            allowed.push("BlockPrices");
            for (rate, block_prices) in tariff.indexed("BlockPrices", (1, 8), (1, 8))? {
                block_prices.only(&["BlockPrice"])?;
                for (block, price) in block_prices.indexed("BlockPrice", (1, 4), (1, 4))? {
                    prices.block_prices[usize::from(rate - 1)][usize::from(block - 1)] =
                        price.value()?;
                }
            }
        }
        if tous {
            allowed.push("TOUPrice");
            for (rate, price) in tariff.indexed("TOUPrice", (1, 48), (1, 48))? {
                prices.tou_prices[usize::from(rate - 1)] = price.value()?;
            }
        }
        tariff.only(&allowed)?;
        Ok(prices)
    }

    /// Sets the passive standing charge and price matrix.
    fn set_passive(&self, request: &mut AccessRequest) {
        request
            .set(
                STANDING_CHARGE,
                attribute::UNIT_CHARGE_PASSIVE,
                unit_charge(
                    0,
                    self.standing_charge_scale,
                    None,
                    vec![(Vec::new(), self.standing_charge)],
                ),
            )
            .set(
                TARIFF_BLOCK_PRICE_MATRIX_TOU,
                attribute::UNIT_CHARGE_PASSIVE,
                unit_charge(
                    COMMODITY_SCALE_PER_KILOWATT_HOUR,
                    self.price_scale,
                    Some(ACTIVE_IMPORT_REGISTER),
                    self.price_table(),
                ),
            );
    }

    /// The price matrix: TOU rates 1–48 (index 0x01–0x30), then block prices indexed
    /// 0xA1–0xA8 (block 1 of TOU rates 1–8) to 0xD1–0xD8 (block 4).
    fn price_table(&self) -> Vec<(Vec<u8>, i16)> {
        let tou = self
            .tou_prices
            .iter()
            .zip(1u8..)
            .map(|(price, rate)| (vec![rate], *price));
        let blocks = (0..BLOCKS).flat_map(|block| {
            self.block_prices
                .iter()
                .zip(1u8..)
                .map(move |(prices, rate)| (vec![(0xA + block as u8) << 4 | rate], prices[block]))
        });
        tou.chain(blocks).collect()
    }

    /// Activates the standing charge and price matrix at `activation`.
    fn activate(request: &mut AccessRequest, activation: Activation) {
        request
            .set(
                STANDING_CHARGE,
                attribute::UNIT_CHARGE_ACTIVATION_TIME,
                activation.cosem(),
            )
            .set(
                TARIFF_BLOCK_PRICE_MATRIX_TOU,
                attribute::UNIT_CHARGE_ACTIVATION_TIME,
                activation.cosem(),
            );
    }
}

/// How a gas price matrix is organised.
#[derive(Debug, Clone, PartialEq, Eq)]
enum GasPriceMatrix {
    /// (block 1–4, price) and the number of block thresholds.
    Block {
        prices: Vec<(u8, u32)>,
        number_of_thresholds: u8,
    },
    /// (TOU tier 1–4, price).
    Tou { prices: Vec<(u8, u32)> },
}

/// `GasPriceElements`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GasPrices {
    currency: Currency,
    standing_charge: u32,
    matrix: GasPriceMatrix,
}

impl GasPrices {
    fn read(element: &Element<'_>) -> Result<Self, Rejection> {
        element.only(&[
            "CurrencyUnits",
            "StandingCharge",
            "BlockTariff",
            "TOUTariff",
        ])?;
        let price_list = |matrix: &Element<'_>, name: &str| -> Result<Vec<(u8, u32)>, Rejection> {
            matrix
                .indexed(name, (1, 4), (1, 4))?
                .into_iter()
                .map(|(index, price)| Ok((index, price.value()?)))
                .collect()
        };
        let matrix = match element.choice(&["BlockTariff", "TOUTariff"])? {
            (0, block) => {
                block.only(&["BlockPrice", "NumberOfThresholds"])?;
                GasPriceMatrix::Block {
                    prices: price_list(&block, "BlockPrice")?,
                    number_of_thresholds: block.child("NumberOfThresholds")?.integer_in(1u8, 3)?,
                }
            }
            (_, tou) => {
                tou.only(&["TOUPrice"])?;
                GasPriceMatrix::Tou {
                    prices: price_list(&tou, "TOUPrice")?,
                }
            }
        };
        Ok(Self {
            currency: Currency::read(element)?,
            standing_charge: element.number("StandingCharge")?,
            matrix,
        })
    }

    /// Publish Tariff Information, with `thresholds_in_use` block thresholds (block tariffs).
    fn tariff_information(
        &self,
        issuer: UtcTime,
        activation: Activation,
        thresholds_in_use: u8,
    ) -> PublishTariffInformation {
        let (tariff_type, tiers, thresholds) = match &self.matrix {
            GasPriceMatrix::Block { .. } => (TARIFF_TYPE_BLOCK, 0, thresholds_in_use),
            GasPriceMatrix::Tou { prices } => (
                TARIFF_TYPE_TOU,
                prices.iter().map(|(tier, _)| *tier).max().unwrap_or(0),
                0,
            ),
        };
        PublishTariffInformation {
            provider_id: PROVIDER_ID,
            issuer_event_id: issuer.0,
            issuer_tariff_id: ISSUER_TARIFF_ID,
            start_time: activation.zigbee(CANCEL_START_TIME),
            tariff_type_charging_scheme: tariff_type,
            tariff_label: Vec::new(),
            number_of_price_tiers_in_use: tiers,
            number_of_block_thresholds_in_use: thresholds,
            unit_of_measure: UNIT_OF_MEASURE_KWH,
            currency: self.currency.zse(),
            price_trailing_digit: GAS_PRICE_TRAILING_DIGIT,
            standing_charge: self.standing_charge,
            tier_block_mode: TIER_BLOCK_MODE_NOT_USED,
            block_threshold_multiplier: Uint24(BLOCK_THRESHOLD_MULTIPLIER),
            block_threshold_divisor: Uint24(BLOCK_THRESHOLD_DIVISOR),
        }
    }

    /// Publish Price Matrix: block ids 0–3 for blocks 1–4, tiers 1–4 as they are.
    fn price_matrix(&self, issuer: UtcTime, activation: Activation) -> PublishPriceMatrix {
        let (sub_payload_control, prices) = match &self.matrix {
            GasPriceMatrix::Block { prices, .. } => (
                PRICE_MATRIX_BLOCK,
                prices
                    .iter()
                    .map(|(block, price)| (block - 1, *price))
                    .collect(),
            ),
            GasPriceMatrix::Tou { prices } => (PRICE_MATRIX_TOU, prices.clone()),
        };
        PublishPriceMatrix {
            provider_id: PROVIDER_ID,
            issuer_event_id: issuer.0,
            start_time: activation.zigbee(CANCEL_PUBLISHED_START_TIME),
            issuer_tariff_id: ISSUER_TARIFF_ID,
            command_index: 0,
            total_number_of_commands: 1,
            sub_payload_control,
            prices,
        }
    }

    fn is_block(&self) -> bool {
        matches!(self.matrix, GasPriceMatrix::Block { .. })
    }
}

/// The Issuer Tariff Id of the tariffs the DSP publishes (RTDS: 1).
const ISSUER_TARIFF_ID: u32 = 1;
/// GSME prices have five digits after the point (price trailing digit in the high nibble).
const GAS_PRICE_TRAILING_DIGIT: u8 = 0x50;
/// Tier block mode: not used (GBCS gas tariffs are either TOU or block).
const TIER_BLOCK_MODE_NOT_USED: u8 = 0xFF;
/// Gas block thresholds are in Wh: kWh prices divide them by 1000.
const BLOCK_THRESHOLD_MULTIPLIER: u32 = 1;
const BLOCK_THRESHOLD_DIVISOR: u32 = 1000;
/// The largest gas block threshold (`GasThresholdType`, 48 bits).
const LARGEST_GAS_THRESHOLD: u64 = (1 << 48) - 1;

/// `PricePrimary`: electricity or gas prices.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PrimaryPrices {
    Electricity(ElectricityPrimaryPrices),
    Gas(GasPrices),
}

impl PrimaryPrices {
    fn read(root: &Element<'_>) -> Result<Self, Rejection> {
        let prices = root.child("PriceElements")?;
        prices.only(&["ElectricityPriceElements", "GasPriceElements"])?;
        match prices.choice(&["ElectricityPriceElements", "GasPriceElements"])? {
            (0, electricity) => ElectricityPrimaryPrices::read(&electricity).map(Self::Electricity),
            (_, gas) => GasPrices::read(&gas).map(Self::Gas),
        }
    }

    fn fuel(&self) -> Fuel {
        match self {
            Self::Electricity(_) => Fuel::Electricity,
            Self::Gas(_) => Fuel::Gas,
        }
    }
}

/// `PriceSecondary`: the secondary element's four TOU prices (prices not given are zero).
#[derive(Debug, Clone, PartialEq, Eq)]
struct SecondaryPrices {
    price_scale: i8,
    prices: [i16; SECONDARY_TOU_RATES],
}

impl SecondaryPrices {
    fn read(root: &Element<'_>) -> Result<Self, Rejection> {
        let element = root.child("PriceElements")?;
        element.only(&["PriceScale", "ElectricityPriceElement"])?;
        let mut prices = [0; SECONDARY_TOU_RATES];
        for (rate, price) in element.indexed("ElectricityPriceElement", (1, 4), (1, 4))? {
            prices[usize::from(rate - 1)] = price.value()?;
        }
        Ok(Self {
            price_scale: element.number("PriceScale")?,
            prices,
        })
    }

    /// Sets the passive secondary element price matrix.
    fn set_passive(&self, request: &mut AccessRequest) {
        let table = self
            .prices
            .iter()
            .zip(1u8..)
            .map(|(price, rate)| (vec![rate], *price))
            .collect();
        request.set(
            SECONDARY_TARIFF_TOU_PRICE_MATRIX,
            attribute::UNIT_CHARGE_PASSIVE,
            unit_charge(
                COMMODITY_SCALE_PER_KILOWATT_HOUR,
                self.price_scale,
                Some(SECONDARY_ELEMENT_ACTIVE_IMPORT_REGISTER),
                table,
            ),
        );
    }

    fn activate(request: &mut AccessRequest, activation: Activation) {
        request.set(
            SECONDARY_TARIFF_TOU_PRICE_MATRIX,
            attribute::UNIT_CHARGE_ACTIVATION_TIME,
            activation.cosem(),
        );
    }
}

/// `ElecTariffElements`: currency, switching table, special days and block thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ElectricityTariff {
    currency: Currency,
    switching_table: ElectricitySwitchingTable,
    special_days: Vec<SpecialDay>,
    /// The block thresholds of TOU rates 1–8.
    thresholds: Vec<Vec<u32>>,
}

impl ElectricityTariff {
    fn read(element: &Element<'_>) -> Result<Self, Rejection> {
        element.only(&[
            "CurrencyUnits",
            "SwitchingTable",
            "SpecialDays",
            "ThresholdMatrix",
        ])?;
        let switching_table = ElectricitySwitchingTable::read(
            &element.child("SwitchingTable")?,
            MeterElement::Primary,
        )?;
        let special_days = read_electricity_special_days(element, &switching_table)?;
        let matrix = element.child("ThresholdMatrix")?;
        matrix.only(&["Thresholds"])?;
        let thresholds = matrix
            .indexed("Thresholds", (8, 8), (1, 8))?
            .into_iter()
            .map(|(_, thresholds)| {
                thresholds.only(&["BlockThreshold"])?;
                thresholds
                    .indexed("BlockThreshold", (1, 3), (1, 3))?
                    .into_iter()
                    .map(|(_, threshold)| threshold.value())
                    .collect()
            })
            .collect::<Result<Vec<Vec<u32>>, Rejection>>()?;
        Ok(Self {
            currency: Currency::read(element)?,
            switching_table,
            special_days,
            thresholds,
        })
    }
}

/// `SpecialDays` of an ESME switching table: up to 50, each referring to a defined day profile.
fn read_electricity_special_days(
    element: &Element<'_>,
    switching_table: &ElectricitySwitchingTable,
) -> Result<Vec<SpecialDay>, Rejection> {
    let days = element.child("SpecialDays")?;
    let special_days =
        SpecialDay::read_all(&days, 50, DateSchema::Electricity, ELECTRICITY_DAY_IDS)?;
    check_references(
        &days,
        "day profile",
        switching_table.day_ids(),
        special_days.iter().map(|day| day.day_id),
    )?;
    Ok(special_days)
}

/// What a GSME day profile applies all day: a TOU tier, or the block tariff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GasDayAction {
    Tou(u8),
    Block,
}

/// `GasTariffElements`: switching table, special days and block thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GasTariff {
    day_profiles: Vec<(u8, GasDayAction)>,
    week_profiles: Vec<WeekProfile>,
    seasons: Vec<(gbcs::zse::ZclDate, u8)>,
    special_days: Vec<SpecialDay>,
    thresholds: Vec<Uint48>,
}

/// GSME tariff day profiles are named 1–4 and week profiles 1–2.
const GAS_DAY_IDS: u8 = 4;
const GAS_WEEK_IDS: u8 = 2;

impl GasTariff {
    fn read(element: &Element<'_>) -> Result<Self, Rejection> {
        element.only(&["SwitchingTable", "SpecialDays", "ThresholdMatrix"])?;
        let table = element.child("SwitchingTable")?;
        table.only(&["DayProfiles", "WeekProfiles", "Seasons"])?;
        let profiles = table.child("DayProfiles")?;
        profiles.only(&["DayProfile"])?;
        let day_profiles = profiles
            .children("DayProfile", 1, 4)?
            .iter()
            .map(|profile| {
                profile.only(&["DayName", "TOUTariffAction", "BlockTariff"])?;
                let action = match profile.choice(&["TOUTariffAction", "BlockTariff"])? {
                    (0, tier) => GasDayAction::Tou(tier.integer_in(1u8, 4)?),
                    (_, block) => block.empty().map(|_| GasDayAction::Block)?,
                };
                Ok((
                    profile.child("DayName")?.integer_in(1u8, GAS_DAY_IDS)?,
                    action,
                ))
            })
            .collect::<Result<Vec<_>, Rejection>>()?;
        let day_profiles = distinct(&profiles, day_profiles, |(day_id, _)| *day_id, "DayName")?;
        let week_profiles = WeekProfile::read_all(
            &table.child("WeekProfiles")?,
            (1, 2),
            GAS_WEEK_IDS,
            GAS_DAY_IDS,
        )?;
        let seasons = read_gas_seasons(&table.child("Seasons")?, GAS_WEEK_IDS)?;
        let day_ids = || day_profiles.iter().map(|(day_id, _)| *day_id);
        check_references(
            &table,
            "day profile",
            day_ids(),
            week_profiles.iter().flat_map(|week| week.day_ids),
        )?;
        check_references(
            &table,
            "week profile",
            week_profiles.iter().map(|week| week.week_id),
            seasons.iter().map(|(_, week_id)| *week_id),
        )?;
        let days = element.child("SpecialDays")?;
        let special_days = SpecialDay::read_all(&days, 20, DateSchema::Gas, GAS_DAY_IDS)?;
        check_references(
            &days,
            "day profile",
            day_ids(),
            special_days.iter().map(|day| day.day_id),
        )?;
        let matrix = element.child("ThresholdMatrix")?;
        matrix.only(&["BlockThreshold"])?;
        let thresholds = matrix
            .indexed("BlockThreshold", (1, 3), (1, 3))?
            .into_iter()
            .map(|(_, threshold)| threshold.integer_in(0, LARGEST_GAS_THRESHOLD).map(Uint48))
            .collect::<Result<Vec<_>, Rejection>>()?;
        Ok(Self {
            day_profiles,
            week_profiles,
            seasons,
            special_days,
            thresholds,
        })
    }

    /// Day profiles must apply the kind of tariff the prices are (TOU tiers or the block tariff).
    fn check_prices(&self, root: &Element<'_>, prices: &GasPrices) -> Result<(), Rejection> {
        let block = prices.is_block();
        match self
            .day_profiles
            .iter()
            .find(|(_, action)| matches!(action, GasDayAction::Block) != block)
        {
            Some((day_id, _)) => Err(root.malformed(format!(
                "day profile {day_id} does not apply the {} tariff the prices are for",
                if block { "block" } else { "TOU" }
            ))),
            None => Ok(()),
        }
    }

    /// The delivered calendar's commands.
    fn calendar(&self, activation: Activation) -> GsmeCalendar {
        GsmeCalendar {
            calendar_type: CALENDAR_TYPE_DELIVERED,
            start_time: activation.zigbee(CANCEL_PUBLISHED_START_TIME),
            day_profiles: self
                .day_profiles
                .iter()
                .map(|(day_id, action)| {
                    let tier = match action {
                        GasDayAction::Tou(tier) => *tier,
                        GasDayAction::Block => 0,
                    };
                    (
                        *day_id,
                        vec![ScheduleEntry {
                            start_minutes: 0,
                            value: tier,
                        }],
                    )
                })
                .collect(),
            week_profiles: self.week_profiles.clone(),
            seasons: self.seasons.clone(),
            special_days: zcl_special_days(&self.special_days),
        }
    }
}

/// The tariff (and prices) of a primary element update, for the meter they are for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PrimaryTariff {
    Electricity(ElectricityTariff, ElectricityPrimaryPrices),
    Gas(GasTariff, GasPrices),
}

/// 1.1.1 Update Import Tariff (Primary Element) (`TariffPrimaryElement`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateImportTariffPrimaryElement {
    activation: Activation,
    tariff: PrimaryTariff,
}

impl ServiceRequest for UpdateImportTariffPrimaryElement {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let root = Element::root(body);
        root.only(&[
            "ExecutionDateTime",
            "ElecTariffElements",
            "GasTariffElements",
            "PriceElements",
        ])?;
        let activation = Activation::read(&root)?;
        let prices = PrimaryPrices::read(&root)?;
        let tariff = match (
            root.choice(&["ElecTariffElements", "GasTariffElements"])?,
            prices,
        ) {
            ((0, tariff), PrimaryPrices::Electricity(prices)) => {
                PrimaryTariff::Electricity(ElectricityTariff::read(&tariff)?, prices)
            }
            ((1, tariff), PrimaryPrices::Gas(prices)) => {
                let tariff = GasTariff::read(&tariff)?;
                tariff.check_prices(&root, &prices)?;
                PrimaryTariff::Gas(tariff, prices)
            }
            ((_, tariff), prices) => {
                return Err(tariff.malformed(format!(
                    "comes with {} prices",
                    match prices.fuel() {
                        Fuel::Electricity => "electricity",
                        Fuel::Gas => "gas",
                    }
                )))
            }
        };
        Ok(Self { activation, tariff })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let fuel = match self.tariff {
            PrimaryTariff::Electricity(..) => Fuel::Electricity,
            PrimaryTariff::Gas(..) => Fuel::Gas,
        };
        let (use_case, _) = use_case_for_fuel(service, context, Some(fuel), ("ECS01a", "GCS01a"))?;
        let payload = match &self.tariff {
            PrimaryTariff::Electricity(tariff, prices) => {
                ecs01a(context.counter(), tariff, prices, self.activation)
            }
            PrimaryTariff::Gas(tariff, prices) => gcs01a(
                issuer_event_id(context.now)?,
                tariff,
                prices,
                self.activation,
            ),
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// ECS01a: the primary switching table, special days, threshold matrix, currency and prices
/// as passive values, then their activation times.
fn ecs01a(
    counter: u64,
    tariff: &ElectricityTariff,
    prices: &ElectricityPrimaryPrices,
    activation: Activation,
) -> Vec<u8> {
    let mut request = AccessRequest::new();
    let table = &tariff.switching_table;
    request
        .set(
            TARIFF_SWITCHING_TABLE,
            attribute::SEASON_PROFILE_PASSIVE,
            table.season_profile(),
        )
        .set(
            TARIFF_SWITCHING_TABLE,
            attribute::WEEK_PROFILE_TABLE_PASSIVE,
            table.week_profile_table(),
        )
        .set(
            TARIFF_SWITCHING_TABLE,
            attribute::DAY_PROFILE_TABLE_PASSIVE,
            table.day_profile_table(),
        )
        .set(
            TARIFF_SWITCHING_TABLE_SPECIAL_DAYS,
            attribute::ENTRIES,
            SpecialDay::entries(&tariff.special_days),
        );
    for (monitor, thresholds) in TARIFF_THRESHOLD_MATRIX_BLOCKS
        .iter()
        .zip(&tariff.thresholds)
    {
        let thresholds = thresholds
            .iter()
            .map(|threshold| Data::DoubleLongUnsigned(*threshold))
            .collect();
        request.set(*monitor, attribute::THRESHOLDS, Data::Array(thresholds));
    }
    request.set(
        CURRENCY_UNIT,
        attribute::VALUE_PASSIVE,
        tariff.currency.cosem(),
    );
    prices.set_passive(&mut request);
    request
        .set(
            TARIFF_SWITCHING_TABLE,
            attribute::ACTIVATE_PASSIVE_CALENDAR_TIME,
            activation.cosem(),
        )
        .set(
            TARIFF_SWITCHING_TABLE_SPECIAL_DAYS_ACTIVATION,
            attribute::ACTIVATE_PASSIVE_VALUE_TIME,
            activation.cosem(),
        )
        .set(
            CURRENCY_UNIT,
            attribute::ACTIVATE_PASSIVE_VALUE_TIME,
            activation.cosem(),
        );
    ElectricityPrimaryPrices::activate(&mut request, activation);
    request.set(
        TARIFF_THRESHOLD_MATRIX,
        attribute::ACTIVATE_PASSIVE_VALUE_TIME,
        activation.cosem(),
    );
    request.encode(counter)
}

/// GCS01a: the delivered calendar, then tariff information, block thresholds (block tariffs)
/// and price matrix.
fn gcs01a(
    issuer: UtcTime,
    tariff: &GasTariff,
    prices: &GasPrices,
    activation: Activation,
) -> Vec<u8> {
    let mut components = tariff.calendar(activation).components(issuer);
    // The thresholds in use are those the command sends (RTDS: three thresholds in the matrix
    // with NumberOfThresholds 2 give 3); GCS01b, which sends none, uses NumberOfThresholds.
    let thresholds_in_use = u8::try_from(tariff.thresholds.len()).unwrap_or(u8::MAX);
    components.push(
        prices
            .tariff_information(issuer, activation, thresholds_in_use)
            .component(),
    );
    if prices.is_block() {
        components.push(
            PublishBlockThresholds {
                provider_id: PROVIDER_ID,
                issuer_event_id: issuer.0,
                start_time: activation.zigbee(CANCEL_PUBLISHED_START_TIME),
                issuer_tariff_id: ISSUER_TARIFF_ID,
                command_index: 0,
                total_number_of_commands: 1,
                sub_payload_control: BLOCK_THRESHOLDS_ALL_TIERS,
                tiers: vec![TierBlockThresholds {
                    tier: 0,
                    thresholds: tariff.thresholds.clone(),
                }],
            }
            .component(),
        );
    }
    components.push(prices.price_matrix(issuer, activation).component());
    numbered(components).encode()
}

/// 1.2.1 Update Price (Primary Element).
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdatePricePrimaryElement {
    activation: Activation,
    prices: PrimaryPrices,
}

/// The activation and prices of a price update (1.2.1, 1.2.2), read with `read_prices`.
fn read_price_update<P>(
    body: &BodyElement,
    read_prices: fn(&Element<'_>) -> Result<P, Rejection>,
) -> Result<(Activation, P), Rejection> {
    let root = Element::root(body);
    root.only(&["ExecutionDateTime", "PriceElements"])?;
    Ok((Activation::read(&root)?, read_prices(&root)?))
}

impl ServiceRequest for UpdatePricePrimaryElement {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let (activation, prices) = read_price_update(body, PrimaryPrices::read)?;
        Ok(Self { activation, prices })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let (use_case, _) = use_case_for_fuel(
            service,
            context,
            Some(self.prices.fuel()),
            ("ECS01b", "GCS01b"),
        )?;
        let payload = match &self.prices {
            PrimaryPrices::Electricity(prices) => {
                let mut request = AccessRequest::new();
                prices.set_passive(&mut request);
                ElectricityPrimaryPrices::activate(&mut request, self.activation);
                request.encode(context.counter())
            }
            PrimaryPrices::Gas(prices) => {
                let issuer = issuer_event_id(context.now)?;
                let thresholds_in_use = match prices.matrix {
                    GasPriceMatrix::Block {
                        number_of_thresholds,
                        ..
                    } => number_of_thresholds,
                    GasPriceMatrix::Tou { .. } => 0,
                };
                numbered(vec![
                    prices
                        .tariff_information(issuer, self.activation, thresholds_in_use)
                        .component(),
                    prices.price_matrix(issuer, self.activation).component(),
                ])
                .encode()
            }
        };
        Ok(DeviceCommand::new(use_case, context, payload))
    }
}

/// 1.1.2 Update Import Tariff (Secondary Element) (`TariffSecondaryElement`): ECS01c.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateImportTariffSecondaryElement {
    activation: Activation,
    switching_table: ElectricitySwitchingTable,
    special_days: Vec<SpecialDay>,
    prices: SecondaryPrices,
}

impl ServiceRequest for UpdateImportTariffSecondaryElement {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let root = Element::root(body);
        root.only(&[
            "ExecutionDateTime",
            "SwitchingTable",
            "SpecialDays",
            "PriceElements",
        ])?;
        let switching_table = ElectricitySwitchingTable::read(
            &root.child("SwitchingTable")?,
            MeterElement::Secondary,
        )?;
        Ok(Self {
            activation: Activation::read(&root)?,
            special_days: read_electricity_special_days(&root, &switching_table)?,
            switching_table,
            prices: SecondaryPrices::read(&root)?,
        })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_named(service, "ECS01c", context.device_type)?;
        let table = &self.switching_table;
        let mut request = AccessRequest::new();
        self.prices.set_passive(&mut request);
        request
            .set(
                TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT,
                attribute::SEASON_PROFILE_PASSIVE,
                table.season_profile(),
            )
            .set(
                TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT,
                attribute::WEEK_PROFILE_TABLE_PASSIVE,
                table.week_profile_table(),
            )
            .set(
                TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT,
                attribute::DAY_PROFILE_TABLE_PASSIVE,
                table.day_profile_table(),
            )
            .set(
                TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT_SPECIAL_DAYS,
                attribute::ENTRIES,
                SpecialDay::entries(&self.special_days),
            )
            .set(
                TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT,
                attribute::ACTIVATE_PASSIVE_CALENDAR_TIME,
                self.activation.cosem(),
            );
        SecondaryPrices::activate(&mut request, self.activation);
        request.set(
            TARIFF_SWITCHING_TABLE_SECONDARY_ELEMENT_SPECIAL_DAYS_ACTIVATION,
            attribute::ACTIVATE_PASSIVE_VALUE_TIME,
            self.activation.cosem(),
        );
        Ok(DeviceCommand::new(
            use_case,
            context,
            request.encode(context.counter()),
        ))
    }
}

/// 1.2.2 Update Price (Secondary Element): ECS01d.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdatePriceSecondaryElement {
    activation: Activation,
    prices: SecondaryPrices,
}

impl ServiceRequest for UpdatePriceSecondaryElement {
    fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        let (activation, prices) = read_price_update(body, SecondaryPrices::read)?;
        Ok(Self { activation, prices })
    }

    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection> {
        let use_case = use_case_named(service, "ECS01d", context.device_type)?;
        let mut request = AccessRequest::new();
        self.prices.set_passive(&mut request);
        SecondaryPrices::activate(&mut request, self.activation);
        Ok(DeviceCommand::new(
            use_case,
            context,
            request.encode(context.counter()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use dcc_model::DeviceType;
    use gbcs::dlms::{DlmsApdu, RequestSpecification};
    use gbcs::gbz::{ComponentBody, GbzPayload};
    use gbcs::zse::calendar::PublishCalendar;

    use super::*;
    use crate::services::body_reader::testing::{
        gas_date, malformed, transform_body, week_profiles, NOW,
    };

    const ESME: DeviceType = DeviceType::ElectricitySmartMeter;
    const GSME: DeviceType = DeviceType::GasSmartMeter;

    fn date(year: &str) -> String {
        format!(
            "<sr:Year>{year}</sr:Year><sr:Month><sr:SpecifiedMonth>1</sr:SpecifiedMonth></sr:Month>\
             <sr:DayOfMonth><sr:LastDayOfMonth/></sr:DayOfMonth>\
             <sr:DayOfWeek><sr:NonSpecifiedDayOfWeek/></sr:DayOfWeek>"
        )
    }

    /// A 1.1.1 body for an ESME with one day profile (`action` at midnight) and `prices`.
    fn electricity_tariff(action: &str, prices: &str) -> String {
        let thresholds: String = (1..=8)
            .map(|index| {
                format!(r#"<sr:Thresholds index="{index}"><sr:BlockThreshold index="1">{}</sr:BlockThreshold></sr:Thresholds>"#, 1000 * index)
            })
            .collect();
        format!(
            "<sr:UpdateImportTariffPrimaryElement><sr:ElecTariffElements>\
             <sr:CurrencyUnits>ECB</sr:CurrencyUnits><sr:SwitchingTable>\
             <sr:DayProfiles><sr:DayProfile><sr:DayName>1</sr:DayName><sr:ProfileSchedule>\
             <sr:StartTime>00:00:00Z</sr:StartTime>{action}</sr:ProfileSchedule></sr:DayProfile></sr:DayProfiles>\
             {}<sr:Seasons><sr:Season><sr:SeasonName>all</sr:SeasonName><sr:SeasonStartDate>{}</sr:SeasonStartDate>\
             <sr:ReferencedWeekName>1</sr:ReferencedWeekName></sr:Season></sr:Seasons></sr:SwitchingTable>\
             <sr:SpecialDays/><sr:ThresholdMatrix>{thresholds}</sr:ThresholdMatrix></sr:ElecTariffElements>\
             <sr:PriceElements>{prices}</sr:PriceElements></sr:UpdateImportTariffPrimaryElement>",
            week_profiles(1),
            date("<sr:NonSpecifiedYear/>"),
        )
    }

    fn electricity_prices(tariff: &str) -> String {
        format!(
            "<sr:ElectricityPriceElements><sr:StandingCharge>-7</sr:StandingCharge>\
             <sr:StandingChargeScale>-5</sr:StandingChargeScale><sr:PriceScale>-4</sr:PriceScale>\
             {tariff}</sr:ElectricityPriceElements>"
        )
    }

    const TOU_PRICES: &str = r#"<sr:TOUTariff><sr:TOUPrice index="2">20</sr:TOUPrice><sr:TOUPrice index="48">480</sr:TOUPrice></sr:TOUTariff>"#;
    const BLOCK_PRICES: &str = r#"<sr:BlockTariff><sr:BlockPrices index="3"><sr:BlockPrice index="2">32</sr:BlockPrice></sr:BlockPrices></sr:BlockTariff>"#;
    const TOU_ACTION: &str = "<sr:TOUTariffAction>2</sr:TOUTariffAction>";

    fn gas_prices(tariff: &str) -> String {
        format!(
            "<sr:GasPriceElements><sr:CurrencyUnits>GBP</sr:CurrencyUnits>\
             <sr:StandingCharge>22465</sr:StandingCharge>{tariff}</sr:GasPriceElements>"
        )
    }

    const GAS_TOU_PRICES: &str = r#"<sr:TOUTariff><sr:TOUPrice index="1">9600</sr:TOUPrice><sr:TOUPrice index="2">10200</sr:TOUPrice></sr:TOUTariff>"#;
    const GAS_BLOCK_PRICES: &str = r#"<sr:BlockTariff><sr:BlockPrice index="1">9600</sr:BlockPrice><sr:NumberOfThresholds>2</sr:NumberOfThresholds></sr:BlockTariff>"#;

    /// A 1.1.1 body for a GSME whose one day profile applies `action`.
    fn gas_tariff(action: &str, prices: &str) -> String {
        let gas_date = gas_date(3, 20);
        format!(
            "<sr:UpdateImportTariffPrimaryElement><sr:ExecutionDateTime>2030-01-15T09:00:00Z</sr:ExecutionDateTime>\
             <sr:GasTariffElements><sr:SwitchingTable>\
             <sr:DayProfiles><sr:DayProfile><sr:DayName>1</sr:DayName>{action}</sr:DayProfile></sr:DayProfiles>\
             {}<sr:Seasons><sr:Season><sr:SeasonStartDate>{gas_date}</sr:SeasonStartDate>\
             <sr:ReferencedWeekName>1</sr:ReferencedWeekName></sr:Season></sr:Seasons></sr:SwitchingTable>\
             <sr:SpecialDays><sr:SpecialDay><sr:Date>{gas_date}</sr:Date><sr:ReferencedDayName>1</sr:ReferencedDayName></sr:SpecialDay></sr:SpecialDays>\
             <sr:ThresholdMatrix><sr:BlockThreshold index=\"2\">2000</sr:BlockThreshold><sr:BlockThreshold index=\"1\">1000</sr:BlockThreshold></sr:ThresholdMatrix>\
             </sr:GasTariffElements><sr:PriceElements>{prices}</sr:PriceElements></sr:UpdateImportTariffPrimaryElement>",
            week_profiles(1),
        )
    }

    fn access_request(command: &DeviceCommand) -> (Vec<RequestSpecification>, Vec<Data>) {
        match DlmsApdu::parse(&command.apdu.payload).expect("a DLMS payload") {
            DlmsApdu::AccessRequest {
                specifications,
                data,
                ..
            } => (specifications, data),
            other => panic!("not an access request: {other:?}"),
        }
    }

    fn gbz(command: &DeviceCommand) -> GbzPayload {
        GbzPayload::parse(&command.apdu.payload).expect("a GBZ payload")
    }

    #[test]
    fn an_electricity_tariff_sets_passive_values_then_their_activation_times() {
        let body = electricity_tariff(TOU_ACTION, &electricity_prices(TOU_PRICES));
        let command = transform_body("1.1.1", ESME, &body).unwrap();
        assert_eq!(command.use_case.use_case_id(), Some("ECS01a"));
        let (specifications, data) = access_request(&command);
        assert_eq!(specifications.len(), 21);
        assert_eq!(
            specifications[0],
            RequestSpecification::Set(
                TARIFF_SWITCHING_TABLE.member(attribute::SEASON_PROFILE_PASSIVE)
            )
        );
        // Euro, then "now" for every activation time.
        assert_eq!(data[12], Data::Boolean(0));
        let now = gbcs::cosem_time::CosemDateTime::NOW.to_data();
        assert!(data[15..].iter().all(|time| *time == now));
        // The season starts on the last day of January of any year.
        let Data::Array(seasons) = &data[0] else {
            panic!("season profile");
        };
        assert_eq!(
            seasons[0],
            Data::Structure(vec![
                Data::OctetString(b"all".to_vec()),
                Data::OctetString(vec![0xFF, 0xFF, 1, 0xFE, 0xFF, 0, 0, 0, 0, 0x80, 0, 0xFF]),
                Data::OctetString(vec![1]),
            ])
        );
    }

    #[test]
    fn the_price_matrix_holds_48_tou_rates_then_block_prices_by_block() {
        let body = electricity_tariff(
            "<sr:BlockTariffAction>3</sr:BlockTariffAction>",
            &electricity_prices(BLOCK_PRICES),
        );
        let command = transform_body("1.1.1", ESME, &body).unwrap();
        let (_, data) = access_request(&command);
        let Data::Structure(prices) = &data[14] else {
            panic!("unit charge");
        };
        let Data::Array(table) = &prices[2] else {
            panic!("unit charge table");
        };
        assert_eq!(table.len(), 80);
        // Block 2 of TOU rate 3 is indexed 0xB3.
        let priced: Vec<&Data> = table
            .iter()
            .filter(|entry| !matches!(entry, Data::Structure(fields) if fields[1] == Data::Long(0)))
            .collect();
        assert_eq!(
            priced,
            [&Data::Structure(vec![
                Data::OctetString(vec![0xB3]),
                Data::Long(32)
            ])]
        );
        // Block tariff 3 runs script 103.
        let Data::Array(days) = &data[2] else {
            panic!("day profiles");
        };
        assert_eq!(
            days[0],
            Data::Structure(vec![
                Data::Unsigned(1),
                Data::Array(vec![Data::Structure(vec![
                    Data::OctetString(vec![0, 0, 0, 0]),
                    objects::TARIFF_BLOCK_COUNTER_MATRIX_TOU.logical_name(),
                    Data::LongUnsigned(103),
                ])]),
            ])
        );
    }

    #[test]
    fn a_gas_tariff_publishes_calendar_tariff_thresholds_and_prices() {
        let body = gas_tariff("<sr:BlockTariff/>", &gas_prices(GAS_BLOCK_PRICES));
        let command = transform_body("1.1.1", GSME, &body).unwrap();
        assert_eq!(command.use_case.use_case_id(), Some("GCS01a"));
        let payload = gbz(&command);
        let commands: Vec<(u16, u8, u8)> = payload
            .components
            .iter()
            .map(|component| {
                (
                    component.cluster,
                    component.command_id,
                    component.sequence_number,
                )
            })
            .collect();
        assert_eq!(
            commands,
            [
                (0x0707, 0, 0),
                (0x0707, 1, 1),
                (0x0707, 2, 2),
                (0x0707, 3, 3),
                (0x0707, 4, 4),
                (0x0700, 4, 5),
                (0x0700, 6, 6),
                (0x0700, 5, 7)
            ]
        );
        let calendar = PublishCalendar::from_component(&payload.components[0])
            .unwrap()
            .unwrap();
        let issuer = UtcTime::from_unix_seconds(NOW.unix_timestamp()).unwrap();
        assert_eq!(calendar.issuer_event_id, issuer.0);
        assert_eq!(
            calendar.start_time,
            UtcTime::from_unix_seconds(1_894_698_000).unwrap()
        );
        let thresholds = PublishBlockThresholds::from_component(&payload.components[6])
            .unwrap()
            .unwrap();
        assert_eq!(thresholds.tiers[0].thresholds, [Uint48(1000), Uint48(2000)]);
        let information = PublishTariffInformation::from_component(&payload.components[5])
            .unwrap()
            .unwrap();
        assert_eq!(information.number_of_block_thresholds_in_use, 2);
    }

    #[test]
    fn a_cancellation_never_activates_and_gsmes_get_the_cancel_start_times() {
        let body = gas_tariff(
            "<sr:TOUTariffAction>2</sr:TOUTariffAction>",
            &gas_prices(GAS_TOU_PRICES),
        )
        .replace("2030-01-15T09:00:00Z", "3000-12-31T00:00:00Z");
        let payload = gbz(&transform_body("1.1.1", GSME, &body).unwrap());
        let information = payload
            .components
            .iter()
            .find_map(|component| PublishTariffInformation::from_component(component).unwrap())
            .unwrap();
        assert_eq!(information.start_time, CANCEL_START_TIME);
        assert_eq!(information.number_of_price_tiers_in_use, 2);
        let matrix = payload
            .components
            .iter()
            .find_map(|component| PublishPriceMatrix::from_component(component).unwrap())
            .unwrap();
        assert_eq!(matrix.start_time, CANCEL_PUBLISHED_START_TIME);
        assert!(matches!(
            &payload.components.last().unwrap().body,
            ComponentBody::Plain(_)
        ));

        let body = "<sr:UpdatePriceSecondaryElement><sr:ExecutionDateTime>3000-12-31T00:00:00Z</sr:ExecutionDateTime>\
             <sr:PriceElements><sr:PriceScale>-5</sr:PriceScale>\
             <sr:ElectricityPriceElement index=\"3\">12</sr:ElectricityPriceElement></sr:PriceElements>\
             </sr:UpdatePriceSecondaryElement>";
        let (specifications, data) = access_request(&transform_body("1.2.2", ESME, body).unwrap());
        assert_eq!(specifications.len(), 2);
        assert_eq!(data[1], gbcs::cosem_time::CosemDateTime::NEVER.to_data());
    }

    #[test]
    fn each_service_builds_for_the_meters_its_body_is_for() {
        let electricity_primary = electricity_tariff(TOU_ACTION, &electricity_prices(TOU_PRICES));
        let gas_primary = gas_tariff(
            TOU_ACTION.replace("2<", "1<").as_str(),
            &gas_prices(GAS_TOU_PRICES),
        );
        let secondary_prices = "<sr:PriceElements><sr:PriceScale>-5</sr:PriceScale>\
             <sr:ElectricityPriceElement index=\"1\">1</sr:ElectricityPriceElement></sr:PriceElements>";
        let cases = [
            ("1.1.1", electricity_primary.clone(), ESME),
            ("1.1.1", gas_primary, GSME),
            (
                "1.2.1",
                format!(
                    "<sr:UpdatePricePrimaryElement><sr:PriceElements>{}</sr:PriceElements></sr:UpdatePricePrimaryElement>",
                    electricity_prices(TOU_PRICES)
                ),
                ESME,
            ),
            (
                "1.2.1",
                format!(
                    "<sr:UpdatePricePrimaryElement><sr:PriceElements>{}</sr:PriceElements></sr:UpdatePricePrimaryElement>",
                    gas_prices(GAS_BLOCK_PRICES)
                ),
                GSME,
            ),
            (
                "1.1.2",
                electricity_primary
                    .replace("UpdateImportTariffPrimaryElement", "UpdateImportTariffSecondaryElement")
                    .replace("<sr:ElecTariffElements><sr:CurrencyUnits>ECB</sr:CurrencyUnits>", "")
                    .split("<sr:ThresholdMatrix>")
                    .next()
                    .unwrap()
                    .to_owned()
                    + secondary_prices
                    + "</sr:UpdateImportTariffSecondaryElement>",
                ESME,
            ),
            (
                "1.2.2",
                format!("<sr:UpdatePriceSecondaryElement>{secondary_prices}</sr:UpdatePriceSecondaryElement>"),
                ESME,
            ),
        ];
        for (variant, body, meter) in cases {
            for device_type in DeviceType::ALL {
                let result = transform_body(variant, *device_type, &body);
                match (device_type, result) {
                    (device_type, Ok(_)) => assert_eq!(*device_type, meter, "{variant}"),
                    (&ESME | &GSME, Err(Rejection::Malformed(message))) => {
                        assert!(message.contains("does not take"), "{variant}: {message}")
                    }
                    (&ESME | &GSME, Err(Rejection::ServiceNotValidForDeviceType(_))) => {
                        assert!(
                            variant.ends_with(".2"),
                            "{variant} refused for {device_type}"
                        )
                    }
                    (_, Err(rejection)) => assert!(
                        matches!(rejection, Rejection::ServiceNotValidForDeviceType(_)),
                        "{variant} for {device_type}: {rejection:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn malformed_tariffs_are_refused_naming_the_field() {
        let tou = electricity_tariff(TOU_ACTION, &electricity_prices(TOU_PRICES));
        let refusals = [
            (
                tou.replace("<sr:TOUTariffAction>2<", "<sr:TOUTariffAction>49<"),
                "ProfileSchedule/TOUTariffAction: 49 is outside 1 to 48",
            ),
            (
                tou.replacen(
                    r#"<sr:Thresholds index="8">"#,
                    r#"<sr:Thresholds index="7">"#,
                    1,
                ),
                "Thresholds index 7 appears twice",
            ),
            (
                tou.replace(">all<", ">wintertime<"),
                "SeasonName: is longer than 8 characters",
            ),
            (
                tou.replace(r#"index="7">1<"#, r#"index="7">5<"#),
                "refers to day profile 5, which is not defined",
            ),
            (
                tou.replace("<sr:PriceScale>-4<", "<sr:PriceScale>200<"),
                "PriceScale: \"200\" is not valid",
            ),
            (
                tou.replace(&electricity_prices(TOU_PRICES), &gas_prices(GAS_TOU_PRICES)),
                "ElecTariffElements: comes with gas prices",
            ),
            (
                tou.replace("<sr:SpecialDays/>", ""),
                "has 0 SpecialDays elements",
            ),
            (
                tou.replace("<sr:CurrencyUnits>ECB<", "<sr:CurrencyUnits>USD<"),
                "CurrencyUnits: \"USD\" is not one of GBP, ECB",
            ),
            (
                tou.replace("<sr:StartTime>00:00:00Z<", "<sr:StartTime>00:00:00+01:00<"),
                "must be a UTC time",
            ),
            (
                gas_tariff("<sr:BlockTariff/>", &gas_prices(GAS_TOU_PRICES)),
                "day profile 1 does not apply the TOU tariff",
            ),
            (
                gas_tariff("<sr:BlockTariff/>", &gas_prices(GAS_BLOCK_PRICES))
                    .replace("2030-01-15T09:00:00Z", "1999-12-31T23:00:00Z"),
                "is outside what a device can hold",
            ),
        ];
        for (body, expected) in refusals {
            let device_type = if body.contains("GasTariffElements") {
                GSME
            } else {
                ESME
            };
            let message = malformed(transform_body("1.1.1", device_type, &body));
            assert!(
                message.contains(expected),
                "{message:?} should say {expected:?}"
            );
        }
    }
}
