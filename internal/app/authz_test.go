package app_test

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/nevcrm/nevcrm/internal/app/apptest"
	"github.com/nevcrm/nevcrm/internal/db"
	"github.com/nevcrm/nevcrm/internal/httpx"
)

// matrix is the authorization rule of every route: "public" or the roles
// that may use it. A route missing here, or listed here but not served,
// fails the test, so no route can be added without a rule.
var matrix = map[string]string{
	"GET /{$}":                                              "public",
	"GET /news/{id}":                                        "public",
	"GET /api/v1/community/posts":                           "public",
	"POST /api/v1/community/posts":                          "owner",
	"GET /api/v1/community/posts/{id}":                      "public",
	"PATCH /api/v1/community/posts/{id}":                    "owner",
	"DELETE /api/v1/community/posts/{id}":                   "owner",
	"GET /api/v1/community/posts/{id}/comments":             "public",
	"POST /api/v1/community/posts/{id}/comments":            "owner",
	"PATCH /api/v1/community/comments/{id}":                 "owner",
	"DELETE /api/v1/community/comments/{id}":                "owner",
	"PUT /api/v1/community/posts/{id}/like":                 "owner",
	"DELETE /api/v1/community/posts/{id}/like":              "owner",
	"PUT /api/v1/community/posts/{id}/favorite":             "owner",
	"DELETE /api/v1/community/posts/{id}/favorite":          "owner",
	"POST /api/v1/community/reports":                        "owner",
	"GET /api/v1/community/moderation/queue":                "sales service admin",
	"POST /api/v1/community/moderation/actions":             "sales service admin",
	"GET /community":                                        "public",
	"GET /community/posts/{id}":                             "public",
	"GET /community/photos/{id}":                            "public",
	"GET /community/photos/{id}/thumb":                      "public",
	"GET /community/new":                                    "owner",
	"POST /community/posts":                                 "owner",
	"GET /community/posts/{id}/edit":                        "owner",
	"POST /community/posts/{id}/edit":                       "owner",
	"POST /community/posts/{id}/delete":                     "owner",
	"POST /community/posts/{id}/comments":                   "owner",
	"GET /community/comments/{id}/edit":                     "owner",
	"POST /community/comments/{id}/edit":                    "owner",
	"POST /community/comments/{id}/delete":                  "owner",
	"POST /community/posts/{id}/like":                       "owner",
	"POST /community/posts/{id}/favorite":                   "owner",
	"GET /community/posts/{id}/report":                      "owner",
	"POST /community/posts/{id}/report":                     "owner",
	"GET /community/me":                                     "owner",
	"POST /community/me/nickname":                           "owner",
	"GET /community/moderation":                             "sales service admin",
	"POST /community/moderation/{kind}/{id}":                "sales service admin",
	"POST /community/moderation/mute":                       "sales service admin",
	"POST /community/moderation/unmute":                     "sales service admin",
	"POST /community/moderation/words":                      "sales service admin",
	"POST /community/moderation/words/{id}/delete":          "sales service admin",
	"GET /admin/content":                                    "admin",
	"GET /admin/content/new":                                "admin",
	"POST /admin/content/new":                               "admin",
	"GET /admin/content/{kind}/{id}":                        "admin",
	"POST /admin/content/{kind}/{id}":                       "admin",
	"POST /admin/content/{kind}/{id}/withdraw":              "admin",
	"POST /admin/content/{kind}/{id}/pin":                   "admin",
	"GET /static/{hash}/{path...}":                          "public",
	"GET /favicon.ico":                                      "public",
	"GET /login":                                            "public",
	"POST /login":                                           "public",
	"GET /register":                                         "public",
	"POST /register":                                        "public",
	"POST /logout":                                          "public",
	"GET /owner/{$}":                                        "owner",
	"GET /owner/vehicles/{id}":                              "owner",
	"GET /owner/appointments":                               "owner",
	"GET /owner/appointments/new":                           "owner",
	"GET /owner/slots":                                      "owner",
	"POST /owner/appointments":                              "owner",
	"POST /owner/appointments/{id}/cancel":                  "owner",
	"GET /owner/appointments/{id}/reschedule":               "owner",
	"POST /owner/appointments/{id}/reschedule":              "owner",
	"GET /owner/appointments/{id}":                          "owner",
	"GET /owner/profile":                                    "owner",
	"POST /owner/profile":                                   "owner",
	"POST /owner/profile/consent":                           "owner",
	"POST /owner/profile/password":                          "owner",
	"GET /owner/vehicles/bind":                              "owner",
	"POST /owner/vehicles/bind":                             "owner",
	"POST /owner/vehicles/{id}/transfer-code":               "owner",
	"GET /owner/privacy":                                    "owner",
	"GET /owner/privacy/export":                             "owner",
	"POST /owner/privacy/erase":                             "owner",
	"POST /owner/privacy/erase/withdraw":                    "owner",
	"GET /admin/privacy":                                    "admin",
	"POST /admin/privacy/{id}/erase":                        "admin",
	"POST /admin/privacy/{id}/reject":                       "admin",
	"GET /api/v1/me/export":                                 "owner",
	"GET /api/v1/vehicles/{id}/health":                      "owner",
	"GET /api/v1/vehicles/{id}/charging":                    "owner",
	"GET /api/v1/vehicles/{id}/swaps":                       "owner",
	"GET /sales/{$}":                                        "sales admin",
	"GET /service/{$}":                                      "service admin",
	"GET /service/appointments/{id}":                        "service admin",
	"GET /service/batteries":                                "service admin",
	"GET /service/batteries/{id}":                           "service admin",
	"POST /service/batteries/packs/{id}/state":              "service admin",
	"POST /service/appointments/{id}/{action}":              "service admin",
	"GET /admin/{$}":                                        "admin",
	"GET /admin/users":                                      "admin",
	"GET /admin/users/new":                                  "admin",
	"POST /admin/users/new":                                 "admin",
	"POST /admin/users/export":                              "admin",
	"GET /admin/jobs":                                       "admin",
	"GET /jobs/{id}":                                        "owner sales service admin",
	"GET /jobs/{id}/progress":                               "owner sales service admin",
	"POST /jobs/{id}/cancel":                                "owner sales service admin",
	"GET /jobs/{id}/file":                                   "owner sales service admin",
	"GET /admin/users/{id}":                                 "admin",
	"POST /admin/users/{id}":                                "admin",
	"POST /admin/users/{id}/disable":                        "admin",
	"POST /admin/users/{id}/enable":                         "admin",
	"POST /admin/users/{id}/password":                       "admin",
	"POST /admin/users/{id}/permissions":                    "admin",
	"GET /notifications":                                    "owner sales service admin",
	"POST /notifications/{id}/open":                         "owner sales service admin",
	"POST /notifications/read-all":                          "owner sales service admin",
	"GET /sales/customers":                                  "sales admin",
	"POST /sales/customers/export":                          "sales admin",
	"POST /sales/customers/views":                           "sales admin",
	"POST /sales/customers/views/{id}/delete":               "sales admin",
	"GET /sales/customers/{id}":                             "sales admin",
	"POST /sales/customers/{id}":                            "sales admin",
	"POST /sales/customers/{id}/reveal":                     "sales admin",
	"POST /sales/customers/{id}/tags":                       "sales admin",
	"POST /sales/customers/{id}/tags/remove":                "sales admin",
	"POST /sales/customers/{id}/notes":                      "sales admin",
	"GET /sales/customers/duplicates":                       "sales admin",
	"GET /sales/customers/import":                           "sales admin",
	"POST /sales/customers/import":                          "sales admin",
	"GET /sales/customer-imports/{id}":                      "sales admin",
	"POST /sales/customer-imports/{id}/run":                 "sales admin",
	"POST /sales/customer-imports/{id}/mapping":             "sales admin",
	"GET /sales/leads/import":                               "sales admin",
	"POST /sales/leads/import":                              "sales admin",
	"GET /sales/customers/{id}/merge":                       "sales admin",
	"POST /sales/customers/{id}/merge":                      "sales admin",
	"GET /service/inventory":                                "service admin",
	"POST /service/inventory/export":                        "service admin",
	"GET /service/inventory/items/{site}/{part}":            "service admin",
	"POST /service/inventory/items/{site}/{part}/stocktake": "service admin",
	"POST /service/inventory/items/{site}/{part}/reorder":   "service admin",
	"GET /service/inventory/movements":                      "service admin",
	"POST /service/inventory/movements/export":              "service admin",
	"GET /service/inventory/receipts/new":                   "service admin",
	"POST /service/inventory/receipts/new":                  "service admin",
	"GET /service/inventory/transfers":                      "service admin",
	"GET /service/inventory/transfers/new":                  "service admin",
	"POST /service/inventory/transfers/new":                 "service admin",
	"POST /service/inventory/transfers/{id}/receive":        "service admin",
	"GET /service/inventory/parts":                          "service admin",
	"GET /service/inventory/parts/new":                      "admin",
	"POST /service/inventory/parts/new":                     "admin",
	"GET /service/inventory/parts/{id}":                     "admin",
	"POST /service/inventory/parts/{id}":                    "admin",
	"GET /service/work-orders":                              "service admin",
	"POST /service/work-orders/export":                      "service admin",
	"GET /service/work-orders/new":                          "service admin",
	"POST /service/work-orders":                             "service admin",
	"GET /service/work-orders/{id}":                         "service admin",
	"POST /service/work-orders/{id}":                        "service admin",
	"GET /service/work-orders/{id}/print":                   "service admin",
	"POST /service/work-orders/{id}/labour":                 "service admin",
	"POST /service/work-orders/{id}/labour/{line}/delete":   "service admin",
	"POST /service/work-orders/{id}/parts":                  "service admin",
	"POST /service/work-orders/{id}/parts/{line}/return":    "service admin",
	"POST /service/work-orders/{id}/payer":                  "service admin",
	"POST /service/work-orders/{id}/{action}":               "service admin",
	"GET /service/vehicles/{id}/history":                    "service admin",
	"GET /service/follow-ups":                               "service admin",
	"POST /service/follow-ups/{id}/close":                   "service admin",
	"GET /service/dashboard":                                "service admin",
	"GET /owner/work-orders/{id}":                           "owner",
	"POST /owner/work-orders/{id}/rating":                   "owner",

	"GET /api/v1/openapi.yaml":                        "public",
	"POST /api/v1/session":                            "public",
	"DELETE /api/v1/session":                          "public",
	"GET /api/v1/me":                                  "owner sales service admin",
	"GET /api/v1/vehicles":                            "owner",
	"GET /api/v1/sites":                               "owner sales service admin",
	"GET /api/v1/sites/{id}/slots":                    "owner sales service admin",
	"GET /api/v1/appointments":                        "owner",
	"POST /api/v1/appointments":                       "owner",
	"GET /api/v1/appointments/{id}":                   "owner service admin",
	"POST /api/v1/appointments/{id}/cancel":           "owner service admin",
	"POST /api/v1/appointments/{id}/reschedule":       "owner",
	"GET /api/v1/service/queue":                       "service admin",
	"POST /api/v1/service/appointments/{id}/{action}": "service admin",
	"GET /api/v1/swap-stations":                       "service admin",
	"GET /api/v1/swap-stations/{id}/packs":            "service admin",
	"GET /api/v1/swap-stations/{id}/pack-movements":   "service admin",
	"POST /api/v1/battery-packs/{id}/state":           "service admin",
	"GET /api/v1/users":                               "admin",
	"GET /api/v1/jobs":                                "admin",
	"GET /api/v1/jobs/{id}":                           "owner sales service admin",
	"POST /api/v1/jobs/{id}/cancel":                   "owner sales service admin",
	"GET /api/v1/jobs/{id}/file":                      "owner sales service admin",
	"GET /api/v1/users/{id}":                          "admin",
	"PATCH /api/v1/users/{id}":                        "admin",
	"POST /api/v1/users/{id}/disable":                 "admin",
	"POST /api/v1/users/{id}/enable":                  "admin",
	"POST /api/v1/users/{id}/password":                "admin",
	"PUT /api/v1/users/{id}/permissions":              "admin",

	// "token": public to the role check, protected by NEVCRM_METRICS_TOKEN
	// alone; with no token configured (as here) it is 404 to everyone.
	"GET /metrics":                                  "token",
	"GET /api/v1/notifications":                     "owner sales service admin",
	"GET /api/v1/notifications/unread-count":        "owner sales service admin",
	"POST /api/v1/notifications/{id}/read":          "owner sales service admin",
	"POST /api/v1/notifications/read-all":           "owner sales service admin",
	"GET /api/v1/customers":                         "sales admin",
	"POST /api/v1/customers/export":                 "sales admin",
	"GET /api/v1/customers/{id}":                    "sales admin",
	"PATCH /api/v1/customers/{id}":                  "sales admin",
	"GET /api/v1/customers/{id}/timeline":           "sales admin",
	"POST /api/v1/customers/{id}/reveal-mobile":     "sales admin",
	"POST /api/v1/customers/{id}/tags":              "sales admin",
	"DELETE /api/v1/customers/{id}/tags/{tag}":      "sales admin",
	"POST /api/v1/customers/{id}/notes":             "sales admin",
	"GET /api/v1/customers/duplicates":              "sales admin",
	"POST /api/v1/customers/{id}/merge":             "sales admin",
	"GET /api/v1/inventory/locations":               "service admin",
	"GET /api/v1/inventory/parts":                   "service admin",
	"GET /api/v1/inventory/stock":                   "service admin",
	"GET /api/v1/inventory/movements":               "service admin",
	"POST /api/v1/inventory/receipts":               "service admin",
	"POST /api/v1/inventory/stocktakes":             "service admin",
	"PUT /api/v1/inventory/reorder-levels":          "service admin",
	"GET /api/v1/inventory/transfers":               "service admin",
	"POST /api/v1/inventory/transfers":              "service admin",
	"GET /api/v1/inventory/transfers/{id}":          "service admin",
	"POST /api/v1/inventory/transfers/{id}/receive": "service admin",
	"GET /api/v1/customer-views":                    "sales admin",
	"POST /api/v1/customer-views":                   "sales admin",
	"DELETE /api/v1/customer-views/{id}":            "sales admin",

	// The sales pipeline (internal/sales): object checks inside.
	"GET /sales/leads":                              "sales admin",
	"POST /sales/leads/export":                      "sales admin",
	"GET /sales/leads/new":                          "sales admin",
	"POST /sales/leads":                             "sales admin",
	"GET /sales/leads/{id}":                         "sales admin",
	"POST /sales/leads/{id}/follow-ups":             "sales admin",
	"POST /sales/leads/{id}/assign":                 "sales admin",
	"POST /sales/leads/{id}/disqualify":             "sales admin",
	"POST /sales/leads/{id}/convert":                "sales admin",
	"GET /sales/tasks":                              "sales admin",
	"GET /sales/priority":                           "sales admin",
	"GET /admin/lead-models":                        "admin",
	"POST /admin/lead-models/train":                 "admin",
	"POST /admin/lead-models/score":                 "admin",
	"GET /admin/lead-models/{id}":                   "admin",
	"POST /admin/lead-models/{id}/activate":         "admin",
	"POST /admin/lead-history":                      "admin",
	"POST /admin/lead-models/owners":                "admin",
	"GET /owners/mining":                            "sales service admin",
	"POST /owners/mining/export":                    "sales service admin",
	"POST /sales/tasks/{id}/done":                   "sales admin",
	"GET /sales/rules":                              "admin",
	"POST /sales/rules":                             "admin",
	"POST /sales/rules/{id}/delete":                 "admin",
	"GET /sales/opportunities":                      "sales admin",
	"POST /sales/opportunities/export":              "sales admin",
	"GET /sales/opportunities/{id}":                 "sales admin",
	"POST /sales/opportunities/{id}":                "sales admin",
	"POST /sales/opportunities/{id}/stage":          "sales admin",
	"POST /sales/opportunities/{id}/follow-ups":     "sales admin",
	"POST /sales/opportunities/{id}/assign":         "sales admin",
	"POST /sales/opportunities/{id}/order":          "sales admin",
	"GET /sales/orders/{id}":                        "sales admin",
	"POST /sales/orders/{id}/deliver":               "sales admin",
	"GET /sales/test-drives":                        "sales admin",
	"POST /sales/test-drives/export":                "sales admin",
	"GET /sales/test-drives/new":                    "sales admin",
	"GET /sales/test-drives/slots":                  "sales admin",
	"POST /sales/test-drives":                       "sales admin",
	"GET /sales/test-drives/{id}":                   "sales admin",
	"POST /sales/test-drives/{id}/outcome":          "sales admin",
	"GET /sales/test-drive-cars":                    "sales admin",
	"POST /sales/test-drive-cars":                   "sales admin",
	"POST /sales/test-drive-cars/{id}/active":       "sales admin",
	"GET /api/v1/leads":                             "sales admin",
	"POST /api/v1/leads":                            "sales admin",
	"GET /api/v1/leads/{id}":                        "sales admin",
	"POST /api/v1/leads/{id}/follow-ups":            "sales admin",
	"POST /api/v1/leads/{id}/assign":                "sales admin",
	"POST /api/v1/leads/{id}/disqualify":            "sales admin",
	"POST /api/v1/leads/{id}/convert":               "sales admin",
	"GET /api/v1/tasks":                             "sales admin",
	"POST /api/v1/tasks/{id}/done":                  "sales admin",
	"GET /api/v1/lead-rules":                        "admin",
	"POST /api/v1/lead-rules":                       "admin",
	"DELETE /api/v1/lead-rules/{id}":                "admin",
	"GET /api/v1/opportunities":                     "sales admin",
	"GET /api/v1/opportunities/board":               "sales admin",
	"GET /api/v1/opportunities/{id}":                "sales admin",
	"PATCH /api/v1/opportunities/{id}":              "sales admin",
	"POST /api/v1/opportunities/{id}/stage":         "sales admin",
	"POST /api/v1/opportunities/{id}/follow-ups":    "sales admin",
	"POST /api/v1/opportunities/{id}/assign":        "sales admin",
	"POST /api/v1/opportunities/{id}/order":         "sales admin",
	"GET /api/v1/orders/{id}":                       "sales admin",
	"POST /api/v1/orders/{id}/deliver":              "sales admin",
	"GET /api/v1/test-drives":                       "sales admin",
	"POST /api/v1/test-drives":                      "sales admin",
	"GET /api/v1/test-drives/{id}":                  "sales admin",
	"POST /api/v1/test-drives/{id}/outcome":         "sales admin",
	"GET /api/v1/test-drive-cars":                   "sales admin",
	"POST /api/v1/test-drive-cars":                  "sales admin",
	"GET /api/v1/test-drive-cars/{id}/slots":        "sales admin",
	"GET /api/v1/work-orders":                       "service admin",
	"POST /api/v1/work-orders":                      "service admin",
	"GET /api/v1/work-orders/{id}":                  "owner service admin",
	"PATCH /api/v1/work-orders/{id}":                "service admin",
	"POST /api/v1/work-orders/{id}/labour":          "service admin",
	"DELETE /api/v1/work-orders/{id}/labour/{line}": "service admin",
	"POST /api/v1/work-orders/{id}/parts":           "service admin",
	"DELETE /api/v1/work-orders/{id}/parts/{line}":  "service admin",
	"POST /api/v1/work-orders/{id}/payer":           "service admin",
	"POST /api/v1/work-orders/{id}/rating":          "owner",
	"POST /api/v1/work-orders/{id}/{action}":        "service admin",
	"GET /api/v1/vehicles/{id}/work-orders":         "owner service admin",
	"GET /api/v1/service-operations":                "service admin",
	"GET /api/v1/follow-ups":                        "service admin",
	"POST /api/v1/follow-ups/{id}/close":            "service admin",
	"GET /api/v1/service/kpis":                      "service admin",
	// Campaigns (web/campaigns.go, api/campaigns.go).
	"GET /sales/campaigns":                        "sales admin",
	"GET /sales/campaigns/new":                    "sales admin",
	"POST /sales/campaigns":                       "sales admin",
	"GET /sales/campaigns/compare":                "sales admin",
	"POST /sales/campaigns/export":                "sales admin",
	"GET /sales/reports":                          "sales admin",
	"GET /sales/reports/rows":                     "sales admin",
	"POST /sales/reports/export":                  "sales admin",
	"POST /sales/reports/rows/export":             "sales admin",
	"GET /admin/targets":                          "admin",
	"POST /admin/targets":                         "admin",
	"GET /service/reports":                        "service admin",
	"GET /service/reports/rows":                   "service admin",
	"POST /service/reports/export":                "service admin",
	"POST /service/reports/rows/export":           "service admin",
	"GET /sales/campaigns/count":                  "sales admin",
	"GET /sales/campaigns/{id}":                   "sales admin",
	"GET /sales/campaigns/{id}/edit":              "sales admin",
	"POST /sales/campaigns/{id}":                  "sales admin",
	"POST /sales/campaigns/{id}/publish":          "sales admin",
	"POST /sales/campaigns/{id}/status/{action}":  "sales admin",
	"POST /sales/campaigns/{id}/segment":          "sales admin",
	"POST /sales/campaigns/{id}/costs":            "sales admin",
	"POST /sales/campaigns/{id}/check-in":         "sales admin",
	"POST /sales/campaigns/{id}/effect":           "sales admin",
	"GET /owner/campaigns":                        "owner",
	"GET /owner/campaigns/coupons":                "owner",
	"GET /owner/campaigns/points":                 "owner",
	"GET /owner/campaigns/{id}":                   "owner",
	"POST /owner/campaigns/{id}/signup":           "owner",
	"POST /owner/campaigns/{id}/cancel":           "owner",
	"POST /owner/campaigns/{id}/referral":         "owner",
	"GET /campaigns/{id}/cover":                   "public",
	"GET /r/{code}":                               "public",
	"POST /r/{code}":                              "public",
	"POST /service/work-orders/{id}/coupon":       "service admin",
	"GET /api/v1/campaigns":                       "owner sales admin",
	"POST /api/v1/campaigns":                      "sales admin",
	"POST /api/v1/campaigns/segment-count":        "sales admin",
	"GET /api/v1/campaigns/{id}":                  "owner sales admin",
	"PUT /api/v1/campaigns/{id}/rules":            "sales admin",
	"POST /api/v1/campaigns/{id}/publish":         "sales admin",
	"POST /api/v1/campaigns/{id}/status/{action}": "sales admin",
	"POST /api/v1/campaigns/{id}/check-in":        "sales admin",
	"POST /api/v1/campaigns/{id}/signup":          "owner",
	"POST /api/v1/campaigns/{id}/signup/cancel":   "owner",
	"POST /api/v1/campaigns/{id}/referral-code":   "owner",
	"GET /api/v1/campaigns/points":                "owner",
	"POST /api/v1/work-orders/{id}/coupon":        "service admin",
	"GET /owner/assistant":                        "owner",
	"POST /owner/assistant":                       "owner",
	"POST /owner/assistant/new":                   "owner",
	"GET /admin/kb":                               "service admin",
	"GET /admin/kb/new":                           "service admin",
	"POST /admin/kb/new":                          "service admin",
	"GET /admin/kb/{id}":                          "service admin",
	"POST /admin/kb/{id}":                         "service admin",
	"GET /service/tickets":                        "service admin",
	"GET /service/tickets/{id}":                   "service admin",
	"POST /service/tickets/{id}/assign":           "service admin",
	"POST /service/tickets/{id}/reply":            "service admin",
	"POST /service/tickets/{id}/resolve":          "service admin",
	"POST /api/v1/assistant/messages":             "owner",
	"GET /api/v1/assistant/conversations/{id}":    "owner",
	"GET /api/v1/support/tickets":                 "service admin",
	"GET /api/v1/support/tickets/{id}":            "service admin",
	"POST /api/v1/support/tickets/{id}/replies":   "service admin",
}

// objectLevel are routes whose rule lets a role in but whose object (the
// concrete id 1) that role's user may only read: a 403 there is the
// service's object-level answer (a consultant edits only the customers
// assigned to them; TestCustomerObjectAccess covers it), not the route's.
var objectLevel = map[string]string{
	"POST /sales/customers/{id}":               "sales",
	"POST /sales/customers/{id}/tags":          "sales",
	"POST /sales/customers/{id}/tags/remove":   "sales",
	"PATCH /api/v1/customers/{id}":             "sales",
	"POST /api/v1/customers/{id}/tags":         "sales",
	"DELETE /api/v1/customers/{id}/tags/{tag}": "sales",
	// Community: post and comment 1 are not the demo owner's; the
	// moderation pages need the moderator permission, which the demo sales
	// and service accounts do not hold (TestCommunityModeratorPermission).
	"GET /community/posts/{id}/edit":               "owner",
	"POST /community/posts/{id}/edit":              "owner",
	"POST /community/posts/{id}/delete":            "owner",
	"POST /community/comments/{id}/delete":         "owner",
	"GET /community/moderation":                    "sales service",
	"POST /community/moderation/{kind}/{id}":       "sales service",
	"POST /community/moderation/mute":              "sales service",
	"POST /community/moderation/unmute":            "sales service",
	"POST /community/moderation/words":             "sales service",
	"POST /community/moderation/words/{id}/delete": "sales service",
	"PATCH /api/v1/community/posts/{id}":           "owner",
	"DELETE /api/v1/community/posts/{id}":          "owner",
	"DELETE /api/v1/community/comments/{id}":       "owner",
	"GET /api/v1/community/moderation/queue":       "sales service",
	"POST /api/v1/community/moderation/actions":    "sales service",
	"GET /sales/customers/{id}/merge":              "sales", // store managers and admins merge
	"POST /sales/customers/{id}/merge":             "sales",
	"POST /api/v1/customers/{id}/merge":            "sales",
	// A consultant sees the store's campaigns; only the creator, a store
	// manager or an admin changes one (internal/campaign).
	"POST /sales/campaigns/{id}":                  "sales",
	"POST /sales/campaigns/{id}/publish":          "sales",
	"POST /sales/campaigns/{id}/status/{action}":  "sales",
	"POST /sales/campaigns/{id}/segment":          "sales",
	"POST /sales/campaigns/{id}/costs":            "sales",
	"PUT /api/v1/campaigns/{id}/rules":            "sales",
	"POST /api/v1/campaigns/{id}/publish":         "sales",
	"POST /api/v1/campaigns/{id}/status/{action}": "sales",
	"POST /sales/test-drive-cars/{id}/active":     "sales", // store managers switch cars (failed on main once the demo data changed)
	// Lead 1, opportunity 1 and order 1 are of the demo store (the demo
	// data is concentrated in its city) but a colleague's: only their
	// consultant, a store manager or an admin changes, assigns, converts or
	// delivers them.
	"POST /sales/leads/{id}/assign":         "sales",
	"POST /sales/leads/{id}/convert":        "sales",
	"POST /sales/orders/{id}/deliver":       "sales",
	"POST /sales/opportunities/{id}":        "sales",
	"POST /sales/opportunities/{id}/assign": "sales",
}

// concrete turns a route pattern into a path to request.
func concrete(pattern string) string {
	if strings.HasPrefix(pattern, "/admin/privacy/{id}/") {
		// An erasure cannot be undone: an unknown request (404 is access),
		// so that the routes after it still find customer 1 as it was.
		pattern = strings.Replace(pattern, "{id}", "999999", 1)
	}
	p := strings.NewReplacer("{$}", "", "{id}", "1", "{action}", "confirm", "{tag}", "vip", "{hash}", "0", "{path...}", "css/app.css").Replace(pattern)
	return p
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, db.SQLite)
	routes := s.App.Routes()

	served := map[string]httpx.Route{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		served[key] = rt
		want, ok := matrix[key]
		if !ok {
			t.Errorf("route %s has no row in the authorization matrix", key)
			continue
		}
		got := "public"
		if !rt.Public {
			var rs []string
			for _, r := range rt.Roles {
				rs = append(rs, string(r))
			}
			got = strings.Join(rs, " ")
		}
		if !rt.Public && len(rt.Roles) == 0 {
			t.Errorf("route %s states no rule", key)
		}
		if want == "token" {
			want = "public"
		}
		if sortWords(got) != sortWords(want) {
			t.Errorf("route %s allows %q, matrix says %q", key, got, want)
		}
	}
	for key := range matrix {
		if _, ok := served[key]; !ok {
			t.Errorf("matrix row %s is not served", key)
		}
	}

	roles := []string{"", "owner", "sales", "service", "admin"}
	keys := make([]string, 0, len(matrix))
	for k := range matrix {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, role := range roles {
		for _, key := range keys {
			method, pattern, _ := strings.Cut(key, " ")
			c := s.Client()
			if role != "" {
				c = s.Session(t, role) // a new one each time: some routes end it
			}
			req, err := http.NewRequest(method, s.URL+concrete(pattern), strings.NewReader(url.Values{}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", s.URL)
			if method != http.MethodGet {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if strings.HasPrefix(pattern, "/api/") && method != http.MethodGet {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			allowed := matrix[key] == "public" || strings.Contains(" "+matrix[key]+" ", " "+role+" ") && role != ""
			api := strings.HasPrefix(pattern, "/api/")
			loc := res.Header.Get("Location")
			toLogin := res.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login")
			name := key + " as " + map[bool]string{true: role, false: "anonymous"}[role != ""]
			// Every answer to a logged-in user is no-store, whatever its
			// status; static files keep their long cache.
			cc := res.Header.Get("Cache-Control")
			switch {
			case strings.HasPrefix(pattern, "/static/") && res.StatusCode == http.StatusOK:
				if cc != "public, max-age=31536000, immutable" {
					t.Errorf("%s: Cache-Control %q, want the long static lifetime", name, cc)
				}
			case pattern == "/favicon.ico":
				// The same icon for everyone, cached for a day.
				if cc != "public, max-age=86400" {
					t.Errorf("%s: Cache-Control %q, want a day", name, cc)
				}
			case role != "" && cc != "no-store":
				t.Errorf("%s: Cache-Control %q, want no-store", name, cc)
			case role == "" && cc != "no-cache" && cc != "no-store":
				t.Errorf("%s: Cache-Control %q, want no-cache", name, cc)
			}
			switch {
			case matrix[key] == "token":
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("%s without a metrics token configured: got %d, want 404", name, res.StatusCode)
				}
			case allowed && res.StatusCode == http.StatusForbidden && strings.Contains(" "+objectLevel[key]+" ", " "+role+" "):
			case allowed:
				if res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized || toLogin || res.StatusCode >= 500 {
					t.Errorf("%s: got %d (Location %q), want access", name, res.StatusCode, loc)
				}
			case role == "" && api:
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: got %d, want 401", name, res.StatusCode)
				}
			case role == "":
				if !toLogin {
					t.Errorf("%s: got %d (Location %q), want 303 to /login", name, res.StatusCode, loc)
				}
			default:
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s: got %d, want 403", name, res.StatusCode)
				}
			}
		}
	}
}

func sortWords(s string) string {
	w := strings.Fields(s)
	sort.Strings(w)
	return strings.Join(w, " ")
}
