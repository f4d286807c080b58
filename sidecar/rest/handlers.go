package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The handlers follow Connect's resources (ConnectorsResource,
// ConnectorPluginsResource, LoggingResource, InternalClusterResource):
// check the request, call the herder, write its answer or its error.

func (s *Server) listConnectors(c *call) {
	names, err := s.herder.Connectors(c.ctx)
	if err != nil {
		c.fail(err)
		return
	}
	names = orEmpty(names)
	expand, ok := c.r.URL.Query()["expand"]
	if !ok {
		c.json(http.StatusOK, names)
		return
	}
	out := make(map[string]ConnectorExpansion, len(names))
	for _, name := range names {
		var x ConnectorExpansion
		err := func() error {
			for _, e := range expand {
				switch e {
				case "status":
					st, err := s.herder.ConnectorStatus(c.ctx, name)
					if err != nil {
						return err
					}
					x.Status = &st
				case "info":
					info, err := s.herder.ConnectorInfo(c.ctx, name)
					if err != nil {
						return err
					}
					x.Info = &info
				}
			}
			return nil
		}()
		var nf *NotFoundError
		switch {
		case errors.As(err, &nf):
			// Deleted while we looked: left out, as Connect leaves it out.
			continue
		case err != nil:
			c.fail(err)
			return
		}
		out[name] = x
	}
	c.json(http.StatusOK, out)
}

func (s *Server) createConnector(c *call) {
	m, ok := c.objectBody("The connector creation request")
	if !ok {
		return
	}
	req, err := parseCreateRequest(m)
	if err != nil {
		c.fail(err)
		return
	}
	initial, err := initialState(req.InitialState)
	if err != nil {
		c.fail(err)
		return
	}
	if err := checkConfigName(req.Name, req.Config); err != nil {
		c.fail(err)
		return
	}
	if err := checkNewName(req.Name); err != nil {
		c.fail(err)
		return
	}
	c.name = req.Name
	info, _, err := s.herder.PutConnectorConfig(c.ctx, req.Name, req.Config, initial, false)
	if err != nil {
		c.failOrForward(err, req, nil)
		return
	}
	c.location(req.Name)
	c.json(http.StatusCreated, info)
}

// parseCreateRequest reads POST /connectors as Connect does: the name is
// trimmed (a missing one is ""), and "name" is added to the config when
// absent.
func parseCreateRequest(m map[string]json.RawMessage) (CreateConnectorRequest, error) {
	const what = "The connector creation request"
	var req CreateConnectorRequest
	for _, k := range sortedKeys(m) {
		switch k {
		case "name", "initial_state":
			s, null, err := scalarText(m[k])
			if err != nil {
				return req, bad("%s: %q must be a string, not %s", what, k, err)
			}
			if null {
				continue
			}
			if k == "name" {
				req.Name = javaTrim(s)
			} else {
				req.InitialState = s
			}
		case "config":
			cm, err := parseObject(m[k], what+`: "config"`)
			if err != nil {
				return req, err
			}
			if req.Config, err = plainStringMap(cm, "The connector config"); err != nil {
				return req, err
			}
		default:
			return req, bad("%s has an unknown field %q; it takes name, config and initial_state", what, k)
		}
	}
	if req.Config == nil {
		return req, bad(`%s has no "config": send {"name": "...", "config": {"connector.class": "...", ...}}`, what)
	}
	return req, nil
}

// javaTrim is Java's String.trim: it drops characters up to ' ' from
// both ends, and nothing else.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

func initialState(s string) (TargetState, error) {
	switch strings.ToUpper(s) {
	case "":
		return "", nil
	case "RUNNING":
		return TargetStarted, nil
	case "PAUSED":
		return TargetPaused, nil
	case "STOPPED":
		return TargetStopped, nil
	}
	return "", bad("initial_state must be RUNNING, PAUSED or STOPPED, not %q", s)
}

// checkConfigName compares the config's "name" with the connector's and
// adds it when absent (ConnectorsResource.checkAndPutConnectorConfigName).
func checkConfigName(name string, config map[string]string) error {
	included, ok := config["name"]
	if !ok {
		config["name"] = name
		return nil
	}
	if included != name {
		return bad("Connector name configuration (%s) doesn't match connector name in the URL (%s)", included, name)
	}
	return nil
}

func (s *Server) connectorInfo(c *call) {
	info, err := s.herder.ConnectorInfo(c.ctx, c.v("connector"))
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, info)
}

func (s *Server) connectorConfig(c *call) {
	conf, err := s.herder.ConnectorConfig(c.ctx, c.v("connector"))
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, orEmptyMap(conf))
}

func (s *Server) putConnectorConfig(c *call) {
	name := c.v("connector")
	m, ok := c.objectBody("The connector config")
	if !ok {
		return
	}
	conf, err := plainStringMap(m, "The connector config")
	if err == nil {
		err = checkConfigName(name, conf)
	}
	if err == nil {
		err = checkNewName(name)
	}
	if err != nil {
		c.fail(err)
		return
	}
	info, created, err := s.herder.PutConnectorConfig(c.ctx, name, conf, "", true)
	if err != nil {
		c.failOrForward(err, conf, func(remote int) int {
			if remote == http.StatusCreated {
				return http.StatusCreated
			}
			return http.StatusOK
		})
		return
	}
	if created {
		c.location(name)
		c.json(http.StatusCreated, info)
		return
	}
	c.json(http.StatusOK, info)
}

func (s *Server) patchConnectorConfig(c *call) {
	m, ok := c.objectBody("The connector config patch")
	if !ok {
		return
	}
	patch, err := stringMap(m, "The connector config patch", true)
	if err != nil {
		c.fail(err)
		return
	}
	info, err := s.herder.PatchConnectorConfig(c.ctx, c.v("connector"), patch)
	if err != nil {
		c.failOrForward(err, patch, nil)
		return
	}
	c.json(http.StatusOK, info)
}

func (s *Server) connectorStatus(c *call) {
	st, err := s.herder.ConnectorStatus(c.ctx, c.v("connector"))
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, st)
}

func (s *Server) restartConnector(c *call) {
	no := ptr(false)
	tasks, ok := c.boolQuery("includeTasks", no)
	if !ok {
		return
	}
	failed, ok := c.boolQuery("onlyFailed", no)
	if !ok {
		return
	}
	req := RestartRequest{Connector: c.v("connector"), IncludeTasks: *tasks, OnlyFailed: *failed}
	if !req.ConnectorOnly() {
		c.fwdQuery = url.Values{
			"includeTasks": {strconv.FormatBool(req.IncludeTasks)},
			"onlyFailed":   {strconv.FormatBool(req.OnlyFailed)},
		}
	}
	st, err := s.herder.RestartConnector(c.ctx, req)
	if err != nil {
		c.failOrForward(err, nil, func(int) int {
			if req.ConnectorOnly() {
				return http.StatusNoContent
			}
			return http.StatusAccepted
		})
		return
	}
	if req.ConnectorOnly() || st == nil {
		c.empty(http.StatusNoContent)
		return
	}
	c.json(http.StatusAccepted, st)
}

// simple runs a herder call that answers with status and no body.
func (c *call) simple(err error, status int) {
	if err != nil {
		c.failOrForward(err, nil, nil)
		return
	}
	c.empty(status)
}

func (s *Server) deleteConnector(c *call) {
	c.simple(s.herder.DeleteConnector(c.ctx, c.v("connector")), http.StatusNoContent)
}

func (s *Server) pauseConnector(c *call) {
	c.simple(s.herder.PauseConnector(c.ctx, c.v("connector")), http.StatusAccepted)
}

func (s *Server) resumeConnector(c *call) {
	c.simple(s.herder.ResumeConnector(c.ctx, c.v("connector")), http.StatusAccepted)
}

func (s *Server) stopConnector(c *call) {
	c.simple(s.herder.StopConnector(c.ctx, c.v("connector")), http.StatusNoContent)
}

func (s *Server) taskConfigs(c *call) {
	ts, err := s.herder.TaskConfigs(c.ctx, c.v("connector"))
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, orEmpty(ts))
}

// taskID reads the {task} path parameter. JAX-RS answers 404 for one
// that is not an int; so do we, saying why.
func (c *call) taskID() (ConnectorTaskID, bool) {
	t := c.v("task")
	n, err := strconv.ParseInt(t, 10, 32)
	if err != nil || n < 0 {
		c.error(http.StatusNotFound, fmt.Sprintf("Task id %q is not a task number; tasks are numbered 0, 1, 2, ...", t))
		return ConnectorTaskID{}, false
	}
	return ConnectorTaskID{Connector: c.v("connector"), Task: int(n)}, true
}

func (s *Server) taskStatus(c *call) {
	id, ok := c.taskID()
	if !ok {
		return
	}
	st, err := s.herder.TaskStatus(c.ctx, id)
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, st)
}

func (s *Server) restartTask(c *call) {
	id, ok := c.taskID()
	if !ok {
		return
	}
	c.simple(s.herder.RestartTask(c.ctx, id), http.StatusNoContent)
}

func (s *Server) activeTopics(c *call) {
	name := c.v("connector")
	topics, err := s.herder.ConnectorActiveTopics(c.ctx, name)
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, map[string]ActiveTopicsInfo{name: {Topics: topics}})
}

func (s *Server) resetActiveTopics(c *call) {
	if err := s.herder.ResetConnectorActiveTopics(c.ctx, c.v("connector")); err != nil {
		c.fail(err)
		return
	}
	c.empty(http.StatusAccepted)
}

func (s *Server) connectorOffsets(c *call) {
	o, err := s.herder.ConnectorOffsets(c.ctx, c.v("connector"))
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, o)
}

func (s *Server) alterOffsets(c *call) {
	b, ok := c.readBody(MaxBodyBytes)
	if !ok {
		return
	}
	offsets, err := parseOffsets(b)
	if err != nil {
		c.fail(err)
		return
	}
	msg, err := s.herder.AlterConnectorOffsets(c.ctx, c.v("connector"), offsets.Offsets)
	if err != nil {
		c.failOrForward(err, offsets, nil)
		return
	}
	c.json(http.StatusOK, msg)
}

// parseOffsets reads a PATCH offsets body: {"offsets":[{"partition":{..},
// "offset":{..}|null}]}, with numbers kept as json.Number.
func parseOffsets(b []byte) (ConnectorOffsets, error) {
	const what = "The offsets request"
	m, err := parseObject(b, what)
	if err != nil {
		return ConnectorOffsets{}, err
	}
	for k := range m {
		if k != "offsets" {
			return ConnectorOffsets{}, bad(`%s has an unknown field %q; it takes only "offsets"`, what, k)
		}
	}
	var list []json.RawMessage
	if raw, ok := m["offsets"]; ok && json.Unmarshal(raw, &list) != nil {
		return ConnectorOffsets{}, bad(`%s: "offsets" must be a JSON array of {"partition": {...}, "offset": {...}}`, what)
	}
	if len(list) == 0 {
		return ConnectorOffsets{}, bad("Partitions / offsets need to be provided for an alter offsets request")
	}
	out := ConnectorOffsets{Offsets: make([]ConnectorOffset, 0, len(list))}
	for i, raw := range list {
		var o map[string]json.RawMessage
		if json.Unmarshal(raw, &o) != nil || o == nil {
			return ConnectorOffsets{}, bad(`%s: offsets[%d] must be a JSON object {"partition": {...}, "offset": {...}}`, what, i)
		}
		for k := range o {
			if k != "partition" && k != "offset" {
				return ConnectorOffsets{}, bad(`%s: offsets[%d] has an unknown field %q; it takes partition and offset`, what, i, k)
			}
		}
		p, err := objectOrNull(o["partition"])
		if err != nil || p == nil {
			return ConnectorOffsets{}, bad("%s: offsets[%d].partition must be a JSON object", what, i)
		}
		off, err := objectOrNull(o["offset"])
		if err != nil {
			return ConnectorOffsets{}, bad("%s: offsets[%d].offset must be a JSON object, or null to reset the partition", what, i)
		}
		out.Offsets = append(out.Offsets, ConnectorOffset{Partition: p, Offset: off})
	}
	return out, nil
}

// objectOrNull decodes a JSON object with numbers as json.Number; JSON
// null and a missing value give nil.
func objectOrNull(raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, errors.New("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Server) resetOffsets(c *call) {
	msg, err := s.herder.ResetConnectorOffsets(c.ctx, c.v("connector"))
	if err != nil {
		c.failOrForward(err, nil, nil)
		return
	}
	c.json(http.StatusOK, msg)
}

func (s *Server) listPlugins(c *call) {
	only, ok := c.boolQuery("connectorsOnly", ptr(true))
	if !ok {
		return
	}
	all, err := s.herder.Plugins(c.ctx)
	if err != nil {
		c.fail(err)
		return
	}
	out := []PluginInfo{}
	for _, p := range all {
		if !*only || p.Type == PluginSink || p.Type == PluginSource {
			out = append(out, p)
		}
	}
	c.json(http.StatusOK, out)
}

func (s *Server) pluginConfig(c *call) {
	keys, err := s.herder.PluginConfig(c.ctx, c.v("plugin"))
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, orEmpty(keys))
}

func (s *Server) validateConfig(c *call) {
	plugin := c.v("plugin")
	m, ok := c.objectBody("The connector config")
	if !ok {
		return
	}
	conf, err := plainStringMap(m, "The connector config")
	if err != nil {
		c.fail(err)
		return
	}
	if cls, ok := conf["connector.class"]; ok && !strings.HasSuffix(aliasOf(cls), aliasOf(plugin)) {
		c.error(http.StatusBadRequest, fmt.Sprintf("Included connector type %s does not match request type %s", cls, plugin))
		return
	}
	infos, err := s.herder.ValidateConnectorConfig(c.ctx, conf)
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, infos)
}

// aliasOf drops a trailing "Connector", so that a class name and its
// alias compare equal (ConnectorPluginsResource.normalizedPluginName).
func aliasOf(name string) string {
	if len(name) > len("Connector") {
		return strings.TrimSuffix(name, "Connector")
	}
	return name
}

// logLevels are the levels Connect's logging API accepts (log4j's).
var logLevels = []string{"OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"}

func (s *Server) listLoggers(c *call) {
	ls, err := s.herder.LoggerLevels(c.ctx)
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, orEmptyMap(ls))
}

func (s *Server) getLogger(c *call) {
	name := c.v("logger")
	l, err := s.herder.LoggerLevel(c.ctx, name)
	switch {
	case err != nil:
		c.fail(err)
	case l == nil:
		c.error(http.StatusNotFound, "Logger "+name+" not found.")
	default:
		c.json(http.StatusOK, l)
	}
}

func (s *Server) setLogger(c *call) {
	name := c.v("logger")
	scope := "worker"
	if v := c.r.URL.Query()["scope"]; len(v) > 0 && strings.EqualFold(v[0], "cluster") {
		scope = "cluster"
	}
	m, ok := c.objectBody("The logger level request")
	if !ok {
		return
	}
	levels, err := stringMap(m, "The logger level request", true)
	if err != nil {
		c.fail(err)
		return
	}
	lv := levels["level"]
	if lv == nil {
		c.error(http.StatusBadRequest, "Desired 'level' parameter was not specified in request.")
		return
	}
	level := strings.ToUpper(*lv)
	if !slices.Contains(logLevels, level) {
		c.error(http.StatusNotFound, "invalid log level '"+*lv+"'.")
		return
	}
	if scope == "cluster" {
		if err := s.herder.SetClusterLoggerLevel(c.ctx, name, level); err != nil {
			c.fail(err)
			return
		}
		c.empty(http.StatusNoContent)
		return
	}
	changed, err := s.herder.SetWorkerLoggerLevel(c.ctx, name, level)
	if err != nil {
		c.fail(err)
		return
	}
	c.json(http.StatusOK, orEmpty(changed))
}
