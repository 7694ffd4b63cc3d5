// Package shopifysim is a simulator of Shopify's Admin GraphQL API (version 2026-07): shops with
// products, variants, inventory at locations, customers, orders, fulfillment orders and
// fulfilments, Shopify's query cost and leaky bucket, signed webhooks delivered at least once, and
// knobs for faults. storesync's Shopify client, the demo, the tests and the benchmarks talk to it
// over real HTTP instead of to a real store.
//
// # Endpoints
//
//	POST /shops/<shop>.myshopify.com/admin/api/2026-07/graphql.json   GraphQL (X-Shopify-Access-Token)
//	GET  /shops/<shop>.myshopify.com/bulk/<id>.jsonl                  a bulk query's result
//
// A client's base URL is the server address plus "/shops/<shop>". Use a *Sim as an http.Handler
// in process (httptest.NewServer(sim)), or Run for a standalone server.
//
// # Where it behaves like Shopify
//
//   - Schema: schema.graphql is a subset of the real 2026-07 schema; every type, field, argument
//     and enum value in it exists there with the same type (TestSchemaIsFaithfulSubset), so a
//     document it accepts is one Shopify accepts. Money is int64 minor units inside; Money renders
//     "12.50" and Decimal renders like Shopify ("12.5", "10.0"); UnsignedInt64 is a string.
//   - Cost: objects 1, connections 2 + first × node cost, scalars and enums 0, mutations 10;
//     requested cost is charged before execution and the difference to the actual cost refunded.
//     Buckets are 2,000/100 per second (standard), 4,000/200 (advanced), 20,000/1,000 (plus),
//     overridable per shop. A query above 1,000 points fails with MAX_COST_EXCEEDED, one above
//     what the bucket holds with THROTTLED, input arrays above 250 items with
//     MAX_INPUT_SIZE_EXCEEDED, first above 250 is refused. Every GraphQL answer carries
//     extensions.cost with throttleStatus.
//   - Inventory: inventorySetQuantities is compare-and-set on changeFromQuantity
//     (CHANGE_FROM_QUANTITY_STALE, nothing written) and requires @idempotent(key:): a repeated key
//     replays the first payload and applies nothing, a key reused with other arguments gets
//     IDEMPOTENCY_KEY_PARAMETER_MISMATCH. @idempotent elsewhere is refused. available, committed
//     and on_hand move like Shopify's through orderCreate's inventoryBehaviour, fulfilments and
//     cancellations with restock.
//   - Webhooks: REST-shaped payloads built from skeletons of Shopify's published webhook schemas
//     (TestWebhooksAreSignedAndMatchShopifySchemas validates every topic), Shopify's headers, an
//     HMAC-SHA256 of the raw body with the shop's API secret, retries on non-2xx, and
//     WebhookFaults to duplicate, reorder, delay and drop.
//   - Faults: latency, 502/503, 429 with Retry-After "N.0", held requests answered 504, drawn
//     from a random source seeded by Options.Seed and the shop domain; bulk queries that stay
//     RUNNING for a while and result files served slowly or stalled.
//   - Bulk queries: up to five at once per shop (OPERATION_IN_PROGRESS beyond), listed by
//     bulkOperations (newest first; status, operation_type, id, created_at filters).
//   - Images and weights: productSet files keep an image named by id and add one from an
//     originalSource URL, rehosted under https://cdn.shopify.com/ as Shopify does, so a URL
//     read from one shop is never the one written to another; inventoryItem.measurement.weight
//     keeps the value and unit written (0 kg until one is). A compareAtPrice sent as null
//     clears it; one left out keeps it.
//   - Payments: an order's transactions (Order.transactions, with CardPaymentDetails company and
//     a masked number) come from orderCreate's transactions input, from PlaceOrder's Payment
//     (a card, other gateways, split payments, authorise only), or by default, for a PAID or
//     AUTHORIZED order, one Shopify Payments sale or authorisation on a Visa ending 4242;
//     Shop.CaptureOrder captures, orderCancel refunds what was captured (with refund) and voids
//     open authorisations. Lines keep orderCreate's properties (customAttributes; REST
//     properties).
//
// # Known differences
//
// Search syntax is a subset (field:value, comparators, negation, AND, prefix*). Products carry
// images only (no video or 3D media), READY at once: Shopify fetches and processes an image
// asynchronously, leaving image null until it is ready; the simulator fetches nothing. An order
// takes one discount code at its creation (orderCreate's discountCode: fixed, percentage or free
// shipping), reported as discountCodes and totalDiscountsSet (REST: discount_codes,
// total_discounts); taxes, other discounts, refunds other than a cancel's, multiple locations per order and draft orders
// are not simulated. Bulk
// queries run a page of 100 products at a time under the shop's lock; their result files live
// in a temporary folder that Close removes, and are not kept in the state file. Webhook filter
// is stored but not applied; includeFields is applied to top-level fields.
package shopifysim
