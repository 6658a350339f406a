package app

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/jobs"
)

// CampaignSweepArgs is the job that, every five minutes, starts and ends
// campaigns by their times, rewards referrers whose friends bought (the
// catch-up of the order hook) and refreshes the cached effect figures of
// current campaigns.
type CampaignSweepArgs struct{}

// Kind names the campaign sweep job.
func (CampaignSweepArgs) Kind() string { return "campaign_sweep" }

// registerCampaignJobs registers the publish job (audience and invitations,
// with a progress bar, enqueued in the publishing transaction) and the
// campaign sweep.
func registerCampaignJobs(js *jobs.Service, s *Services) {
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[campaign.PublishJob]) error {
		if err := s.Campaigns.BuildAudience(ctx, identity.System(), j.Args.CampaignID, j.Progress); err != nil {
			return err
		}
		j.Progress.Message(ctx, "受众已生成，邀请已发送")
		return nil
	}, jobs.KindOptions{Title: "发布营销活动：生成受众并发送邀请", Timeout: 2 * time.Hour, MaxAttempts: 5})
	s.Campaigns.UsePublishJob(func(ctx context.Context, tx *sql.Tx, actor *identity.User, id int64) (int64, error) {
		return js.EnqueueTx(ctx, tx, actor, campaign.PublishJob{CampaignID: id})
	})
	jobs.Register(js, func(ctx context.Context, j *jobs.Job[CampaignSweepArgs]) error {
		moved, err := s.Campaigns.AdvanceStatuses(ctx, identity.System())
		if err != nil {
			return err
		}
		rewarded, err := s.Campaigns.RewardReferrals(ctx, identity.System())
		if err != nil {
			return err
		}
		refreshed, err := s.Campaigns.RefreshEffects(ctx, identity.System(), 50)
		if err != nil {
			return err
		}
		j.Progress.Set(ctx, int64(moved+rewarded+refreshed), fmt.Sprintf("活动状态推进 %d 个，推荐奖励发放 %d 笔，活动效果刷新 %d 个", moved, rewarded, refreshed))
		return nil
	}, jobs.KindOptions{Title: "推进活动状态、发放推荐奖励、刷新活动效果", Timeout: 10 * time.Minute, MaxAttempts: 3})
	js.Schedule(5*time.Minute, CampaignSweepArgs{})
}
