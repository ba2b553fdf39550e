//! Cost and energy: each group's `price_per_hour` and `power_w`, and the
//! `[cost]` table. Each is optional: left out, it is left out of the
//! resolved scenario too, and a scenario that gives no price, no power
//! and no revenue reports no cost (and has no cost columns).

use super::*;

/// Most money per hour, per kWh or per renter-hour a scenario may name.
const MAX_MONEY: f64 = 1e12;

/// A group's `power_w = { idle = W, busy = W }`, if given: watts per slot,
/// each a number or a distribution (default 0).
pub(super) fn power(g: &Table) -> Option<Power> {
    let node = g.peek("power_w")?;
    if !matches!(node.value, Value::Table(_)) {
        g.mark("power_w");
        g.fail(g.error(
            node,
            "power_w",
            format!(
                "expected a table of watts per slot such as {{ idle = 60, busy = 300 }}, found {}",
                node.value.describe()
            ),
        ));
        return None;
    }
    Some(g.sub("power_w", |t| Power {
        idle: t.dist("idle", 0.0, Quantity::Power),
        busy: t.dist("busy", 0.0, Quantity::Power),
    }))
}

/// `[cost]`, if given; else the defaults, and nothing resolved.
pub(super) fn cost(root: &Table) -> CostConfig {
    if root.peek("cost").is_none() {
        return CostConfig::default();
    }
    root.sub("cost", |t| {
        let money = |x: f64| {
            range_msg(
                (0.0..=MAX_MONEY).contains(&x),
                "an amount of money, >= 0 and at most 1e12",
            )
        };
        let billing = t.choice(
            "billing",
            Billing::Busy,
            &[("busy", Billing::Busy), ("online", Billing::Online)],
        );
        let electricity_per_kwh = t.number("electricity_per_kwh", 0.0, money);
        let revenue_per_hour = t
            .peek("revenue_per_hour")
            .is_some()
            .then(|| t.number("revenue_per_hour", 0.0, money));
        CostConfig {
            billing,
            electricity_per_kwh,
            revenue_per_hour,
        }
    })
}
