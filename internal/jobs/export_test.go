package jobs

// SkipStagger makes River skip the random pauses with which its maintenance
// services (the scheduler of periodic jobs among them) start in production.
func SkipStagger(o *Options) { o.testOnly = true }
