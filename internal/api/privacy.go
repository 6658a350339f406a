package api

import (
	"bytes"
	"net/http"

	"github.com/nevcrm/nevcrm/internal/httpx"
	"github.com/nevcrm/nevcrm/internal/privacy"
)

// Privacy serves the owner's copy of their personal data.
type Privacy struct {
	*Base
	Privacy *privacy.Service
}

// Routes returns the privacy endpoints.
func (h *Privacy) Routes() []httpx.Route {
	return []httpx.Route{
		httpx.Only(owner, "GET", "/api/v1/me/export", h.export),
	}
}

// export answers the zip of JSON and CSV that the privacy page offers.
func (h *Privacy) export(rw http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := h.Privacy.Export(r.Context(), httpx.User(r), &buf); err != nil {
		h.fail(rw, r, err)
		return
	}
	rw.Header().Set("Content-Type", "application/zip")
	rw.Header().Set("Content-Disposition", `attachment; filename="`+privacy.ExportFileName(h.Privacy.Now())+`"`)
	rw.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(rw)
}
