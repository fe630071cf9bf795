// A corridor.v1 client written only from the .proto files, loaded at run time (no generated code).
// Usage: node client.mjs HOST:PORT PROTO_DIR GOOGLE_RPC_PROTO_DIR
// Prints one JSON object with what each call returned; the Python contract test checks it.
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import path from "node:path";
import protobuf from "protobufjs";

const [address, protoDir, googleDir] = process.argv.slice(2);
const options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true,
                  includeDirs: [protoDir, googleDir] };
const definition = protoLoader.loadSync(
  ["corridor/v1/routing.proto", "corridor/v1/network.proto", "corridor/v1/study.proto", "google/rpc/status.proto",
   "google/rpc/error_details.proto"], options);
const api = grpc.loadPackageDefinition(definition);
const routing = new api.corridor.v1.RoutingService(address, grpc.credentials.createInsecure());
const network = new api.corridor.v1.NetworkService(address, grpc.credentials.createInsecure());
const studies = new api.corridor.v1.StudyService(address, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 30000);

function call(client, method, request) {
  return new Promise((resolve) => {
    client[method](request, { deadline: deadline() }, (error, response) => resolve({ error, response }));
  });
}

// google.rpc.Status from the grpc-status-details-bin trailer, with each google.rpc.BadRequest unpacked.
function decodeDetails(error) {
  const raw = error.metadata.get("grpc-status-details-bin")[0];
  if (!raw) return null;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(googleDir, target);
  root.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"], { keepCase: true });
  const status = root.lookupType("google.rpc.Status").decode(raw);
  const badRequest = root.lookupType("google.rpc.BadRequest");
  return {
    code: status.code,
    violations: status.details
      .filter((any) => any.type_url.endsWith("/google.rpc.BadRequest"))
      .flatMap((any) => badRequest.decode(any.value).field_violations.map((v) => [v.field, v.description])),
  };
}

const out = {};
const info = await call(network, "GetNetworkInfo", {});
out.network = { name: info.response.name, nodes: info.response.node_count, modes: info.response.modes,
                as_of: info.response.as_of };

const ready = { seconds: Date.UTC(2026, 11, 1) / 1000, nanos: 0 };
const found = await call(routing, "FindRoutes", {
  origin: "XIAN", destination: "DUISBURG", departure: ready, shipment: { teu: 2, gross_weight_kg: 20000 },
  objective: "OBJECTIVE_FASTEST", max_routes: 1, constraints: { avoid_countries: ["RU", "BY"] },
  request_id: "node-1",
});
const route = found.response.routes[0];
const figure = (f) => [f.sources, f.estimate, f.sourced_share];
out.route = { request_id: found.response.request_id, countries: route.countries,
              modes: route.legs.map((leg) => leg.mode), cost_usd: route.cost_usd, co2e_kg: route.co2e_kg,
              leg_ttw_kg: route.legs.map((leg) => leg.co2e_ttw_kg),
              emissions: {
                method: route.emissions.method, ttw: route.emissions.co2e_ttw_kg, wtw: route.emissions.co2e_wtw_kg,
                legs: route.emissions.legs.map((leg) => [leg.factor.emission_class, leg.co2e_ttw_kg, leg.co2e_wtw_kg]),
                hubs: route.emissions.hubs.map((hub) => [hub.node, hub.kind, hub.containers, hub.co2e_wtw_kg]),
              },
              provenance: { network_as_of: route.network_as_of, cost: figure(route.cost.total_provenance),
                            freight: figure(route.cost.freight_provenance), time: figure(route.time_provenance),
                            co2e: figure(route.co2e_provenance), distance: figure(route.distance_provenance),
                            legs: route.legs.map((leg) => [figure(leg.cost.total_provenance),
                                                           figure(leg.time_provenance)]),
                            transfers: route.transfers.map((t) => figure(t.handling_cost_provenance)),
                            borders: route.border_crossings.map((b) => figure(b.entry_dwell_provenance)) } };

// The reliability fields: arrival bands, on-time probability, OBJECTIVE_MOST_RELIABLE, min_on_time_probability.
const reliable = await call(routing, "FindRoutes", {
  origin: "XIAN", destination: "DUISBURG", departure: ready, shipment: { teu: 2, gross_weight_kg: 20000 },
  objective: "OBJECTIVE_MOST_RELIABLE", max_routes: 3,
  constraints: { avoid_countries: ["RU", "BY"], arrive_by: { seconds: Date.UTC(2027, 0, 10) / 1000, nanos: 0 },
                 min_on_time_probability: 0.5 },
});
out.reliable = { objective: reliable.response.objective, routes: reliable.response.routes.map((r) => ({
  arrive: Number(r.arrive.seconds), p10: Number(r.arrival_p10.seconds), p50: Number(r.arrival_p50.seconds),
  p90: Number(r.arrival_p90.seconds), on_time: r.on_time_probability })) };

// Containers by type in, surcharges, dated prices and through tariffs out (issue 9 tariff fields).
const reefer = await call(routing, "FindRoutes", {
  origin: "SHANGHAI", destination: "ROTTERDAM", departure: ready, objective: "OBJECTIVE_CHEAPEST", max_routes: 1,
  shipment: { gross_weight_kg: 20000, containers: [{ type: "CONTAINER_TYPE_REEFER_40", count: 1 }] },
});
const reeferRoute = reefer.response.routes[0];
const titr = await call(routing, "FindRoutes", {
  origin: "ALTYNKOL", destination: "ISTANBUL", departure: ready, objective: "OBJECTIVE_CHEAPEST", max_routes: 1,
  shipment: { gross_weight_kg: 10000, containers: [{ type: "CONTAINER_TYPE_DRY_20", count: 1 }] },
  constraints: { avoid_countries: ["RU", "BY", "UA", "IR"], avoid_modes: ["MODE_ROAD", "MODE_AIR", "MODE_SEA"] },
});
const titrRoute = titr.response.routes[0];
out.tariffs = {
  reefer_surcharge_usd: reeferRoute.cost.surcharge_usd,
  reefer_surcharges: reeferRoute.legs.flatMap((leg) => leg.surcharges.map((s) => [s.kind, s.unit])),
  as_of: reeferRoute.legs.filter((leg) => leg.dated_price).map((leg) => [leg.service, leg.dated_price.as_of]),
  through: [...new Set(titrRoute.legs.map((leg) => leg.through_tariff))],
  through_usd: titrRoute.cost.through_tariff_usd,
  total_usd: titrRoute.cost_usd,
};

const unknownScenario = await call(routing, "FindRoutes", {
  origin: "XIAN", destination: "DUISBURG", departure: ready, shipment: { teu: 2 }, scenario: "red_sea_closed",
});
out.scenario = { code: unknownScenario.error.code, details: unknownScenario.error.details };

const bad = await call(routing, "FindRoutes", { origin: "XIAN", shipment: { teu: 2 } });
out.error = { code: bad.error.code, details: bad.error.details, status: decodeDetails(bad.error) };

const stream = routing.StreamRoutes({ deadline: deadline() });
const answers = [];
stream.on("data", (item) => answers.push({ request_id: item.request_id,
                                           routes: item.response ? item.response.routes.length : -1,
                                           error: item.error ? item.error.status : "" }));
const done = new Promise((resolve, reject) => { stream.on("end", resolve); stream.on("error", reject); });
for (const [i, destination] of ["DUISBURG", "WARSAW", "NOWHERE"].entries()) {
  stream.write({ request: { origin: "CHONGQING", destination, departure: ready,
                            shipment: { teu: 1, gross_weight_kg: 9000 }, max_routes: 2, request_id: `s${i}` } });
}
stream.end();
await done;
out.stream = answers.sort((a, b) => a.request_id.localeCompare(b.request_id));
// RunStudy: server streaming, rows and progress per completed chunk.
const week = 7 * 24 * 3600;
const study = studies.RunStudy({
  od_pairs: [{ origin: "XIAN", destination: "DUISBURG" }, { origin: "CHONGQING", destination: "ISTANBUL" }],
  ready_times: [0, 1, 2].map((i) => ({ seconds: ready.seconds + i * week, nanos: 0 })),
  scenarios: [{ name: "no_ru_by", edits_yaml: ["edits:", ...[["KZ", "RU"], ["RU", "BY"], ["BY", "PL"]].map(
    ([a, b]) => `  - op: close_border\n    countries: [${a}, ${b}]`)].join("\n") }],
  max_routes: 1, format: "FRAME_FORMAT_ROWS", request_id: "node-study",
}, { deadline: deadline() });
const progress = [];
const studyRows = [];
const studyDone = new Promise((resolve, reject) => { study.on("end", resolve); study.on("error", reject); });
study.on("data", (message) => {
  progress.push([message.queries_done, message.queries_total, message.request_id]);
  studyRows.push(...message.rows.map((row) => [row.scenario, row.origin, row.route_rank, row.corridor]));
});
await studyDone;
out.study = { progress, rows: studyRows.sort() };
console.log(JSON.stringify(out));
process.exit(0);
