package boapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api"
	"github.com/storesync/storesync/internal/backoffice"
)

// Inventory items: back-office stock by SKU, its adjustments and its history.

const tagStock = "Inventory items"

const itemsPath = "/api/v2/inventory-items"

// InventoryItem is the stock of one SKU. available = on_hand − committed and may be negative:
// more is committed to sales orders than is on hand (oversold).
type InventoryItem struct {
	ID          int64     `json:"id"`
	SKU         string    `json:"sku" doc:"Unique in the account whatever its case."`
	Barcode     string    `json:"barcode"`
	Description string    `json:"description"`
	Currency    string    `json:"currency" doc:"ISO 4217 code of cost and price."`
	Cost        string    `json:"cost" doc:"Decimal amount in the item's currency."`
	Price       string    `json:"price" doc:"Decimal amount in the item's currency."`
	OnHand      int64     `json:"on_hand" doc:"Counted in stock; below zero when more left than was counted."`
	Committed   int64     `json:"committed" doc:"Held by open sales orders."`
	Available   int64     `json:"available" doc:"on_hand − committed; negative when oversold."`
	Oversold    bool      `json:"oversold" doc:"available is below zero."`
	Version     int64     `json:"version" doc:"Increases on every change, stock moves included; the ETag carries it."`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// InventoryItemCreate is the body that creates an inventory item.
type InventoryItemCreate struct {
	SKU         string `json:"sku" minLength:"1" maxLength:"100"`
	Barcode     string `json:"barcode,omitempty" maxLength:"100"`
	Description string `json:"description,omitempty" maxLength:"1000"`
	Currency    string `json:"currency" minLength:"3" maxLength:"3" doc:"ISO 4217 code of cost and price."`
	Cost        string `json:"cost,omitempty" pattern:"^[0-9]{1,15}(\\.[0-9]{1,4})?$" doc:"Decimal amount with at most the currency's decimal places; 0 if left out."`
	Price       string `json:"price,omitempty" pattern:"^[0-9]{1,15}(\\.[0-9]{1,4})?$" doc:"Decimal amount with at most the currency's decimal places; 0 if left out."`
	OnHand      int64  `json:"on_hand,omitempty" minimum:"0" maximum:"1000000000000" doc:"Opening stock; 0 if left out. Later changes are adjustments."`
}

// InventoryItemUpdate is the body that updates an item: fields left out keep their value. Stock
// counts change through adjustments only. Cost and price are read in the currency sent, or the
// item's: send them with a new currency.
type InventoryItemUpdate struct {
	SKU         *string `json:"sku,omitempty" minLength:"1" maxLength:"100"`
	Barcode     *string `json:"barcode,omitempty" maxLength:"100"`
	Description *string `json:"description,omitempty" maxLength:"1000"`
	Currency    *string `json:"currency,omitempty" minLength:"3" maxLength:"3"`
	Cost        *string `json:"cost,omitempty" pattern:"^[0-9]{1,15}(\\.[0-9]{1,4})?$"`
	Price       *string `json:"price,omitempty" pattern:"^[0-9]{1,15}(\\.[0-9]{1,4})?$"`
}

// StockAdjustment changes on hand by delta or sets it to set: exactly one of them.
type StockAdjustment struct {
	Delta  *int64 `json:"delta,omitempty" minimum:"-1000000000000" maximum:"1000000000000" doc:"Added to on hand (negative to take away); not 0."`
	Set    *int64 `json:"set,omitempty" minimum:"0" maximum:"1000000000000" doc:"The new on hand, as counted."`
	Reason string `json:"reason,omitempty" maxLength:"500" doc:"Why: kept in the item's history."`
}

// StockHistoryEntry is one change of an item's stock.
type StockHistoryEntry struct {
	ID              int64     `json:"id"`
	At              time.Time `json:"at"`
	Actor           string    `json:"actor" doc:"Who: \"api key 4\", \"user ann@example.com\", \"sync run 12\", \"sales order 7\"."`
	Kind            string    `json:"kind" enum:"created,adjusted,set,committed,relieved,released,imported"`
	OnHandBefore    int64     `json:"on_hand_before"`
	OnHandAfter     int64     `json:"on_hand_after"`
	CommittedBefore int64     `json:"committed_before"`
	CommittedAfter  int64     `json:"committed_after"`
	Reference       string    `json:"reference"`
	Note            string    `json:"note"`
}

type searchItemsInput struct {
	PageQuery
	Q       string `query:"q" maxLength:"100" doc:"Part of the SKU, barcode or description, whatever the case."`
	SKU     string `query:"sku" maxLength:"100" doc:"A whole SKU, whatever the case."`
	Barcode string `query:"barcode" maxLength:"100" doc:"A whole barcode."`
	After   string `query:"after" maxLength:"100" doc:"Only items whose SKU sorts after this one: to read every item, send the last SKU of a page (with page 1)."`
}

type itemIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type createItemInput struct {
	Body InventoryItemCreate
}

type updateItemInput struct {
	IfMatch
	ID   int64 `path:"id" minimum:"1"`
	Body InventoryItemUpdate
}

type adjustInput struct {
	ID             int64  `path:"id" minimum:"1"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Any string of 1 to 255 printable characters (a UUID, say). The first answer is kept for 24 hours, per account, and replayed to a retry with the same key, marked Idempotent-Replayed: true; the same key with a different body is a 422, and a retry while the first is still running a 409. The key is also kept with the adjustment itself, so the same adjustment sent again with it later changes nothing either."`
	Body           StockAdjustment
}

type historyInput struct {
	PageQuery
	ID int64 `path:"id" minimum:"1"`
}

// ItemOutput answers an adjustment with the item as it now is.
type ItemOutput struct {
	Location string `header:"Location"`
	ETag     string `header:"ETag"`
	Body     InventoryItem
}

func (h *handlers) searchItems(ctx context.Context, in *searchItemsInput) (*ListOutput[InventoryItem], error) {
	page, err := h.svc.SearchItems(ctx, backoffice.SearchItemsParams{AccountID: api.AccountID(ctx), Q: in.Q, SKU: in.SKU,
		Barcode: in.Barcode, AfterSKU: in.After, Page: in.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(in.PageQuery, page, itemOut), nil
}

func (h *handlers) getItem(ctx context.Context, in *itemIDInput) (*GetOutput[InventoryItem], error) {
	it, err := h.svc.GetItem(ctx, backoffice.GetItemParams{AccountID: api.AccountID(ctx), ID: in.ID})
	if err != nil {
		return nil, err
	}
	return &GetOutput[InventoryItem]{ETag: etag(it.Version), Body: itemOut(it)}, nil
}

func (h *handlers) createItem(ctx context.Context, in *createItemInput) (*WriteOutput, error) {
	b := in.Body
	currency, err := itemCurrency(b.Currency)
	if err != nil {
		return nil, err
	}
	cost, err := optionalAmount("cost", b.Cost, currency)
	if err != nil {
		return nil, err
	}
	price, err := optionalAmount("price", b.Price, currency)
	if err != nil {
		return nil, err
	}
	it, err := h.svc.CreateItem(ctx, backoffice.CreateItemParams{AccountID: api.AccountID(ctx), OnHand: b.OnHand, Actor: actor(ctx),
		Input: backoffice.ItemInput{SKU: b.SKU, Barcode: b.Barcode, Description: b.Description, Currency: currency, Cost: cost, Price: price}})
	if err != nil {
		return nil, err
	}
	return written(it.ID, it.Version, location(itemsPath+"/%d", it.ID)), nil
}

func (h *handlers) updateItem(ctx context.Context, in *updateItemInput) (*WriteOutput, error) {
	acct := api.AccountID(ctx)
	version, err := ifMatch(in.IfMatch.IfMatch)
	if err != nil {
		return nil, err
	}
	b := in.Body
	var cost, price *int64
	if b.Cost != nil || b.Price != nil || b.Currency != nil {
		// Amounts are read in the currency they come with: the one sent, or the item's.
		cur, err := h.svc.GetItem(ctx, backoffice.GetItemParams{AccountID: acct, ID: in.ID})
		if err != nil {
			return nil, err
		}
		currency := cur.Currency
		if b.Currency != nil {
			if currency, err = itemCurrency(*b.Currency); err != nil {
				return nil, err
			}
			b.Currency = &currency
		}
		for _, a := range []struct {
			field string
			in    *string
			out   **int64
		}{{"cost", b.Cost, &cost}, {"price", b.Price, &price}} {
			if a.in != nil {
				n, err := amount(a.field, *a.in, currency)
				if err != nil {
					return nil, err
				}
				*a.out = &n
			}
		}
	}
	it, err := h.svc.UpdateItem(ctx, backoffice.UpdateItemParams{AccountID: acct, ID: in.ID, IfVersion: version,
		Change: func(it *backoffice.ItemInput) {
			set(&it.SKU, b.SKU)
			set(&it.Barcode, b.Barcode)
			set(&it.Description, b.Description)
			set(&it.Currency, b.Currency)
			set(&it.Cost, cost)
			set(&it.Price, price)
		}})
	if err != nil {
		return nil, err
	}
	return written(it.ID, it.Version, location(itemsPath+"/%d", it.ID)), nil
}

func (h *handlers) adjustItem(ctx context.Context, in *adjustInput) (*ItemOutput, error) {
	key := strings.TrimSpace(in.IdempotencyKey)
	r, err := h.svc.AdjustStock(ctx, backoffice.AdjustStockParams{AccountID: api.AccountID(ctx), ItemID: in.ID,
		Delta: in.Body.Delta, Set: in.Body.Set, Reason: in.Body.Reason, Actor: actor(ctx), Key: key})
	var ve *backoffice.ValidationError
	if errors.As(err, &ve) && ve.Field == "key" {
		return nil, huma.Error422UnprocessableEntity("validation failed", &huma.ErrorDetail{Location: "header.Idempotency-Key",
			Message: ve.Message, Value: api.Echo(key)})
	}
	if err != nil {
		return nil, err
	}
	loc := location(itemsPath+"/%d", r.Item.ID)
	return &ItemOutput{Location: loc, ETag: etag(r.Item.Version), Body: itemOut(r.Item)}, nil
}

func (h *handlers) itemHistory(ctx context.Context, in *historyInput) (*ListOutput[StockHistoryEntry], error) {
	page, err := h.svc.History(ctx, backoffice.HistoryParams{AccountID: api.AccountID(ctx), ItemID: in.ID, Page: in.Page})
	if err != nil {
		return nil, err
	}
	return listOutput(in.PageQuery, page, func(e backoffice.HistoryEntry) StockHistoryEntry {
		return StockHistoryEntry{ID: e.ID, At: e.At, Actor: e.Actor, Kind: string(e.Kind), OnHandBefore: e.OnHandBefore,
			OnHandAfter: e.OnHandAfter, CommittedBefore: e.CommittedBefore, CommittedAfter: e.CommittedAfter,
			Reference: e.Reference, Note: e.Note}
	}), nil
}

func itemOut(it backoffice.Item) InventoryItem {
	return InventoryItem{ID: it.ID, SKU: it.SKU, Barcode: it.Barcode, Description: it.Description, Currency: it.Currency,
		Cost: backoffice.FormatAmount(it.Cost, it.Currency), Price: backoffice.FormatAmount(it.Price, it.Currency),
		OnHand: it.OnHand, Committed: it.Committed, Available: it.Available, Oversold: it.Oversold(), Version: it.Version,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}
}

// itemCurrency checks a currency before amounts are read in it.
func itemCurrency(code string) (string, error) {
	c, err := backoffice.NormalizeCurrency(code)
	if err != nil {
		return "", huma.Error422UnprocessableEntity("validation failed",
			&huma.ErrorDetail{Location: "body.currency", Message: "must be an ISO 4217 currency code", Value: api.Echo(code)})
	}
	return c, nil
}

func optionalAmount(field, s, currency string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return amount(field, s, currency)
}

// actor names the principal in stock history: the API key, or the dashboard user.
func actor(ctx context.Context) string {
	p, _ := account.PrincipalFrom(ctx)
	if p.KeyID != 0 {
		return fmt.Sprintf("api key %d", p.KeyID)
	}
	return fmt.Sprintf("user %d", p.UserID)
}
