package transforms

import "testing"

func TestTopicNameMatchesMatchesJava(t *testing.T) { runGolden(t, "topicnamematches") }
