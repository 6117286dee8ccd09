// How numbers read: by the metric's unit, and whether a change is good news.

const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const two = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const COUNTS = new Set(["users", "sessions", "launches", "orders", "events", "reports", "calls"]);

export function formatValue(value, unit) {
  if (value === null || value === undefined) return "—";
  switch (unit) {
    case "fraction":
      return `${(value * 100).toFixed(2)}%`;
    case "usd":
      return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    case "beans":
      return `${two.format(value)} Beans`;
    case "ms":
      return value >= 60000 ? minutes(value) : `${whole.format(value)} ms`;
    case "fps":
      return `${value.toFixed(1)} fps`;
    default:
      return COUNTS.has(unit) && Number.isInteger(value) ? whole.format(value) : two.format(value);
  }
}

function minutes(ms) {
  const seconds = Math.round(ms / 1000);
  const m = Math.floor(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min ${seconds % 60} s`;
}

export function formatShare(share) {
  return share === null || share === undefined ? "—" : `${(share * 100).toFixed(1)}%`;
}

export function formatChange(change) {
  if (change === null || change === undefined) return "—";
  const sign = change > 0 ? "+" : change < 0 ? "−" : "";
  return `${sign}${Math.abs(change * 100).toFixed(2)}%`;
}

// "good", "bad" or "flat" for a change, given whether lower values are the better ones.
export function tone(change, lowerIsBetter) {
  if (change === null || change === undefined) return "none";
  if (change === 0) return "flat";
  return (change > 0) !== lowerIsBetter ? "good" : "bad";
}

// A short label for an axis tick.
export function formatTick(value, unit) {
  if (unit === "fraction") return `${+(value * 100).toFixed(1)}%`;
  if (Math.abs(value) >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (Math.abs(value) >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(2)}`;
}

export function pretty(name) {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// A label inside a sentence: "Region" reads "region"; "OS", "API", "TikTok version" stay.
export function inTitle(label) {
  return /[A-Z]/.test(label.slice(1)) ? label : label.charAt(0).toLowerCase() + label.slice(1);
}
