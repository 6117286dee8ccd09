// The order and grouping of the navigation, as the developer portal lays it out. A module
// the list does not know (one an analyst just added in YAML) comes last, under "More".

const GROUPS = [
  ["Overview", ["overview", "dashboard"]],
  ["Users", ["userBehavior", "userRetention", "userProfile", "userDevice", "userSource", "entryPoint"]],
  ["Performance", ["launch", "runtime", "network"]],
  ["Monetization", ["iapUsers", "iapOrders", "adInsights", "adPerformance"]],
  ["For You feed", ["feedAdsOverview", "feedAdsFirstDay", "feedAdsHistory", "feedCards"]],
  ["Conversion", ["conversionFunnel"]],
];
const PLACE = new Map(GROUPS.flatMap(([group, ids], g) => ids.map((id, i) => [id, { group, rank: g * 100 + i }])));

export function orderModules(modules) {
  return modules
    .map((m, i) => ({ ...m, ...(PLACE.get(m.id) || { group: "More", rank: 10000 + i }) }))
    .sort((a, b) => a.rank - b.rank);
}
