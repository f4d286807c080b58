package rest

import (
	"context"
	"errors"
	"net/http"
)

// Connect's 409 messages (HerderRequestHandler).
const (
	msgNoLeader = "Cannot complete request momentarily due to no known leader URL, " +
		"likely because a rebalance was underway."
	msgConflict       = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"
	msgStaleConfig    = "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"
	msgTimedOut       = "Request timed out"
	msgInterrupted    = "Request interrupted"
	msgNotFound       = "HTTP 404 Not Found"
	msgNotAllowed     = "HTTP 405 Method Not Allowed"
	msgUnsupportedCT  = "HTTP 415 Unsupported Media Type"
	msgNoHerderPrefix = "This worker cannot serve this request yet: "
	msgStopping       = "Worker is shutting down; send the request to another worker of the cluster."
)

// statusOf maps an error from the Herder (or from forwarding) to the HTTP
// status, error_code and message Connect would answer with. forwardable is
// whether the endpoint is one Connect forwards; there a rebalance in
// progress is 409, elsewhere 500 (Connect's ConnectExceptionMapper).
// NotLeaderError reaches this only where it is not forwarded: 500 with its
// message, as Connect answers.
func statusOf(err error, forwardable bool) (status, code int, message string) {
	var (
		se  *StatusError
		nf  *NotFoundError
		ae  *AlreadyExistsError
		bad *BadRequestError
		cf  *ConflictError
		fb  *ForbiddenError
	)
	switch {
	case errors.As(err, &se):
		return se.Status, se.Code(), se.Message
	case errors.As(err, &nf):
		return http.StatusNotFound, http.StatusNotFound, nf.Error()
	case errors.As(err, &ae):
		return http.StatusConflict, http.StatusConflict, ae.Error()
	case errors.As(err, &bad):
		return http.StatusBadRequest, http.StatusBadRequest, bad.Error()
	case errors.As(err, &cf):
		return http.StatusConflict, http.StatusConflict, cf.Error()
	case errors.As(err, &fb):
		return http.StatusForbidden, http.StatusForbidden, fb.Error()
	case errors.Is(err, ErrRebalanceInProgress) && forwardable:
		return http.StatusConflict, http.StatusConflict, msgStaleConfig
	case errors.Is(err, context.DeadlineExceeded):
		if err == context.DeadlineExceeded {
			return http.StatusInternalServerError, http.StatusInternalServerError, msgTimedOut
		}
		return http.StatusInternalServerError, http.StatusInternalServerError, msgTimedOut + ". " + err.Error()
	case errors.Is(err, context.Canceled):
		return http.StatusInternalServerError, http.StatusInternalServerError, msgInterrupted
	}
	return http.StatusInternalServerError, http.StatusInternalServerError, err.Error()
}
