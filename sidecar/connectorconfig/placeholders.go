package connectorconfig

import "errors"

// validateResolved validates config with its config provider placeholders
// resolved, as Java's validateConnectorConfig does, so that a setting is
// checked with the value the connector will get. Unlike Java it shows the
// placeholders again wherever a resolved value would appear in the
// answer, since the answer goes to REST clients, who see only what the
// config topic holds.
func validateResolved(c *catalog, config map[string]string, w Worker) (Result, error) {
	resolved, err := w.Providers.Resolve(config)
	if err != nil {
		return Result{}, &RequestError{Message: err.Error()}
	}
	res, err := validate(c, resolved.Config, w)
	var req *RequestError
	if errors.As(err, &req) {
		req.Message = resolved.Conceal(req.Message)
	}
	res.Name = resolved.Conceal(res.Name)
	for _, ci := range res.Configs {
		v := ci.Value
		if v == nil {
			continue
		}
		if v.Value != nil {
			shown := resolved.Conceal(*v.Value)
			v.Value = &shown
		}
		for i, s := range v.RecommendedValues {
			v.RecommendedValues[i] = resolved.Conceal(s)
		}
		for i, s := range v.Errors {
			v.Errors[i] = resolved.Conceal(s)
		}
	}
	return res, err
}
