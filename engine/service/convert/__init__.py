"""Protobuf ⇄ domain translation for corridor.v1, one module per service.

- :mod:`~engine.service.convert.common` — what all services share (``types.proto``: enums, timestamps,
  constraints, routes).
- :mod:`~engine.service.convert.routing` — RoutingService: FindRoutes, StreamRoutes, PlanShipment.
- :mod:`~engine.service.convert.network` — NetworkService: GetNetworkInfo, ListNodes, ListLinks.
- :mod:`~engine.service.convert.study` — StudyService: AssignDemand.

Translation only: each request becomes the library's own request type (validated on construction and checked
against the network by the library), each result becomes a message.
"""
