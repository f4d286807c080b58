package kafkaclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	signer "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/aws_msk_iam_v2"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// awsSetupTimeout bounds finding the AWS credentials at start.
const awsSetupTimeout = 30 * time.Second

// awsMSKIAM is the AWS_MSK_IAM mechanism of aws-msk-iam-auth: a SigV4
// presigned kafka-cluster:Connect request for the broker's host, signed
// by kafka-go's aws_msk_iam_v2 in the region the host name tells.
type awsMSKIAM struct {
	creds  aws.CredentialsProvider
	region string // for hosts whose name does not tell, from the AWS config
	signer *signer.Signer
	now    func() time.Time // nil: the signing time is when Start runs
}

func (awsMSKIAM) Name() string { return "AWS_MSK_IAM" }

func (m awsMSKIAM) Start(ctx context.Context) (sasl.StateMachine, []byte, error) {
	md := sasl.MetadataFromContext(ctx)
	if md == nil {
		return nil, nil, errors.New("AWS_MSK_IAM: no broker host to sign for")
	}
	region, err := m.regionFor(md.Host)
	if err != nil {
		return nil, nil, err
	}
	inner := &aws_msk_iam_v2.Mechanism{Signer: m.signer, Credentials: m.creds, Region: region}
	if m.now != nil {
		inner.SignTime = m.now()
	}
	return inner.Start(ctx)
}

func (m awsMSKIAM) regionFor(host string) (string, error) {
	if r := regionOf(host); r != "" {
		return r, nil
	}
	if m.region != "" {
		return m.region, nil
	}
	return "", fmt.Errorf("AWS_MSK_IAM: the AWS region of broker %s is not in its host name; set AWS_REGION", host)
}

// regionOf reads the region from an AWS host name,
// b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com, or "".
func regionOf(host string) string {
	for _, suffix := range []string{".amazonaws.com", ".amazonaws.com.cn"} {
		if rest, ok := strings.CutSuffix(host, suffix); ok {
			return rest[strings.LastIndexByte(rest, '.')+1:]
		}
	}
	return ""
}

// newAWSMSKIAM finds credentials as aws-msk-iam-auth does: the standard
// AWS chain (environment, web identity, ECS task role, shared profile,
// EC2 instance role), or the awsProfileName profile, then awsRoleArn
// assumed with them. It fetches them once so that a worker without any
// stops at start with the SDK's reason.
func newAWSMSKIAM(iam config.AWSIAM, bootstrap []string) (awsMSKIAM, error) {
	ctx, cancel := context.WithTimeout(context.Background(), awsSetupTimeout)
	defer cancel()
	var opts []func(*awsconfig.LoadOptions) error
	if iam.ProfileName != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(iam.ProfileName))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return awsMSKIAM{}, fmt.Errorf("AWS_MSK_IAM: AWS configuration: %w", err)
	}
	creds := cfg.Credentials
	if iam.RoleARN != "" {
		stsCfg := cfg.Copy()
		stsCfg.Region = cmp.Or(iam.STSRegion, "aws-global")
		creds = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(stsCfg), iam.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = cmp.Or(iam.RoleSessionName, "aws-msk-iam-auth")
			if iam.RoleExternalID != "" {
				o.ExternalID = aws.String(iam.RoleExternalID)
			}
		}))
	}
	if creds == nil {
		return awsMSKIAM{}, errors.New("AWS_MSK_IAM: the AWS configuration gives no credentials")
	}
	if _, err := creds.Retrieve(ctx); err != nil {
		return awsMSKIAM{}, fmt.Errorf("AWS_MSK_IAM: no AWS credentials: %w", err)
	}
	m := awsMSKIAM{creds: creds, region: cfg.Region, signer: signer.NewSigner()}
	for _, addr := range bootstrap {
		host, _, _ := net.SplitHostPort(addr)
		if _, err := m.regionFor(host); err != nil {
			return awsMSKIAM{}, err
		}
	}
	return m, nil
}
