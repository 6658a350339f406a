package app

import (
	"net/http"

	"github.com/nevcrm/nevcrm/internal/httpx"
)

// routeList is a fixed list of routes, mounted like an area's.
type routeList []httpx.Route

func (l routeList) Routes() []httpx.Route { return l }

// mainMetrics is GET /metrics on the main listener. It is served only when
// NEVCRM_METRICS_TOKEN is set, and then only to a request with that bearer
// token (401 otherwise); without a token it is the ordinary 404 page, and
// metrics are read on the separate --metrics-addr listener, if any. A
// session, even an admin's, grants nothing here: the route is public to the
// role check and the token is the whole protection.
func (a *App) mainMetrics(notFound http.HandlerFunc) http.HandlerFunc {
	if a.Config.MetricsToken == "" {
		return notFound
	}
	return a.Metrics.Handler(a.Config.MetricsToken).ServeHTTP
}
