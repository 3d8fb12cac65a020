"""The words people read for the actions of the history (`ChangeRecord.action`).

Every service names what it did with an identifier (`certificate_suspended`,
`body_scope_granted` …); those identifiers are data and never reach a page. This module is
the one place that turns them into words, in the active language: the portal's history and
recent changes, the certificate page, the transparency log's pages and the back office all
use `action_label`. An identifier without a label (a new service that forgot to add one) is
shown in a readable form instead of raw, and a test requires a label for every action the
code writes.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # Surveys of firms' certification status and needs (surveys/services.py).
    "survey_drafted": _("调查问卷起草"),
    "survey_changed": _("调查问卷修改"),
    "survey_published": _("调查问卷发布"),
    "survey_closed": _("调查问卷提前结束"),
    "survey_answered": _("调查问卷填报"),
    "survey_answer_changed": _("调查答卷修改"),
    # Certificates: `certificate_<event kind>` (certificates.choices.EventKind).
    "certificate_issued": _("证书颁发"),
    "certificate_surveillance_passed": _("证书监督审核通过"),
    "certificate_surveillance_missed": _("证书未按期监督"),
    "certificate_suspended": _("证书暂停"),
    "certificate_reinstated": _("证书恢复"),
    "certificate_revoked": _("证书撤销"),
    "certificate_cancelled": _("证书注销"),
    "certificate_expired": _("证书过期"),
    "certificate_renewed": _("证书再认证换证"),
    "certificate_scope_changed": _("证书范围变更"),
    "certificate_transfer_requested": _("证书申请转换认证机构"),
    "certificate_transferred": _("证书转换认证机构"),
    "certificate_transfer_refused": _("证书转换被拒绝"),
    "certificate_transfer_withdrawn": _("证书转换撤回"),
    "certificate_corrected": _("证书信息更正"),
    # Transfers between bodies: `transfer_<state>` (certificates.choices.TransferState).
    "transfer_requested": _("转换申请提出"),
    "transfer_confirmed": _("转换已确认"),
    "transfer_deemed_confirmed": _("转换视为确认（异议期满）"),
    "transfer_objected": _("转换因异议未成立"),
    "transfer_withdrawn": _("转换申请撤回"),
    "transfer_lapsed": _("转换失效（原证书已到期）"),
    # Certification bodies.
    "body_approved": _("认证机构获批"),
    "body_updated": _("认证机构信息变更"),
    "body_suspended": _("认证机构暂停"),
    "body_reinstated": _("认证机构恢复"),
    "body_revoked": _("认证机构撤销"),
    "body_cancelled": _("认证机构注销"),
    "body_scope_granted": _("批准范围增加"),
    "body_scope_withdrawn": _("批准范围撤回"),
    # Labs.
    "lab_qualified": _("检验检测机构取得资质"),
    "lab_updated": _("检验检测机构信息变更"),
    "lab_suspended": _("检验检测机构暂停"),
    "lab_reinstated": _("检验检测机构恢复"),
    "lab_revoked": _("检验检测机构撤销"),
    "lab_cancelled": _("检验检测机构注销"),
    "lab_scope_granted": _("资质认定范围增加"),
    "lab_scope_withdrawn": _("资质认定范围撤回"),
    # Labs' test reports (qualification/reporting.py).
    "test_report_issued": _("检验检测报告报送"),
    "test_report_corrected": _("检验检测报告更正"),
    "test_report_withdrawn": _("检验检测报告撤回"),
    # Qualification approval (qualification.services_applications, qualification.services_review).
    "qualification_application_created": _("资质认定申请创建"),
    "qualification_application_updated": _("资质认定申请填报"),
    "qualification_commitment_signed": _("签署告知承诺书"),
    "qualification_application_submitted": _("资质认定申请提交"),
    "qualification_application_withdrawn": _("资质认定申请撤回"),
    "qualification_application_accepted": _("资质认定申请受理"),
    "qualification_application_rejected": _("资质认定申请不予受理"),
    "qualification_reviewers_drawn": _("随机抽取评审员"),
    "qualification_reviewer_assigned": _("评审员派出"),
    "qualification_reviewer_replaced": _("更换评审员"),
    "qualification_finding_recorded": _("评审发现不符合项"),
    "qualification_finding_closed": _("不符合项整改关闭"),
    "qualification_review_closed": _("技术评审结束"),
    "qualification_reviewer_timeliness": _("评审员时效记录"),
    "qualification_application_approved": _("准予资质认定"),
    "qualification_application_refused": _("不予资质认定"),
    "qualification_application_revoked": _("撤销资质认定许可"),
    "qualification_certificate_issued": _("资质认定证书颁发"),
    "qualification_certificate_superseded": _("资质认定证书换发"),
    "qualification_certificate_revoked": _("资质认定证书撤销"),
    "qualification_post_check_due": _("告知承诺核查待办"),
    "qualification_post_check_passed": _("告知承诺核查属实"),
    "qualification_post_check_failed": _("告知承诺核查不实"),
    "qualification_post_check_planned": _("告知承诺核查列入检查计划"),
    "qualification_post_check_unplanned": _("告知承诺核查移出检查计划"),
    # Organizations.
    "organization_registered": _("组织登记"),
    "organization_updated": _("组织信息变更"),
    "organization_renamed": _("组织更名"),
    "organization_former_name_added": _("曾用名登记"),
    "organization_deregistered": _("组织注销"),
    "organization_restored": _("组织恢复"),
    "organization_site_added": _("场所增加"),
    "organization_site_removed": _("场所停用"),
    # People.
    "person_registered": _("人员登记"),
    "person_updated": _("人员信息变更"),
    "person_role_added": _("人员身份登记"),
    "person_role_suspended": _("人员身份暂停"),
    "person_role_reinstated": _("人员身份恢复"),
    "person_role_ended": _("人员身份终止"),
    "person_role_banned": _("人员禁入"),
    # Accounts and API keys.
    "user_created": _("账号创建"),
    "user_updated": _("账号信息变更"),
    "user_password_changed": _("账号密码修改"),
    "api_key_created": _("接口密钥创建"),
    "api_key_revoked": _("接口密钥吊销"),
    # E-certificates: bodies' keys, status lists, credentials.
    "signing_key_created": _("签名密钥生成"),
    "signing_key_retired": _("签名密钥停用"),
    "signing_key_compromised": _("签名密钥因泄露作废"),
    "status_list_created": _("状态列表创建"),
    "status_entry_allocated": _("电子证书状态位分配"),
    "credential_revocation_set": _("电子证书撤销"),
    "credential_revocation_cleared": _("电子证书撤销位清除"),
    "credential_suspension_set": _("电子证书暂停"),
    "credential_suspension_cleared": _("电子证书恢复"),
    "credential_issued": _("电子证书签发"),
    "credential_resigned": _("电子证书重新签名"),
    # Buyers' watchlists.
    "watchlist_created": _("关注清单创建"),
    "watchlist_updated": _("关注清单变更"),
    "watchlist_secret_rotated": _("关注清单 Webhook 密钥更换"),
    "watchlist_paused": _("关注清单暂停通知"),
    "watchlist_resumed": _("关注清单恢复通知"),
    "watch_item_added": _("关注供应商增加"),
    "watch_item_removed": _("关注供应商移除"),
    # The serious-violation list (credit.services).
    "credit_notice_served": _("列入严重违法失信名单前告知"),
    "credit_case_stated": _("当事人陈述申辩"),
    "credit_notice_decided": _("作出列入决定"),
    "credit_notice_dropped": _("决定不予列入"),
    "credit_listed": _("列入严重违法失信名单"),
    "credit_removal_requested": _("申请提前移出严重违法失信名单"),
    "credit_removal_refused": _("提前移出申请未获准"),
    "credit_removed_early": _("提前移出严重违法失信名单"),
    "credit_expired": _("期满移出严重违法失信名单"),
    "credit_annulled": _("撤销列入严重违法失信名单"),
    # Credit files and risk classes (credit.services_facts, credit.automatic, credit.services_classes).
    "credit_fact_recorded": _("信用事项记入档案"),
    "credit_fact_annulled": _("信用事项撤销"),
    "credit_class_assigned": _("信用风险分类评定"),
    "credit_class_changed": _("信用风险分类变更"),
    # Published facts and credit repair (credit.services_repair).
    "credit_fact_published": _("信用信息公示"),
    "credit_publication_repaired": _("信用修复后停止公示"),
    "credit_publication_expired": _("公示期满停止公示"),
    "credit_publication_withdrawn": _("信用事项撤销，停止公示"),
    "credit_repair_requested": _("申请信用修复"),
    "credit_repair_approved": _("准予信用修复"),
    "credit_repair_refused": _("不予信用修复"),
    # Random inspections and supervision sampling (supervision.services*).
    "supervision_plan_created": _("抽查计划起草"),
    "supervision_plan_changed": _("抽查计划修改"),
    "supervision_plan_published": _("抽查计划公布"),
    "supervision_directory_frozen": _("抽查名录冻结"),
    "supervision_source_entered": _("录入公开随机值"),
    "supervision_plan_drawn": _("随机抽取"),
    "supervision_plan_cancelled": _("抽查计划撤销"),
    "supervision_plan_closed": _("抽查计划结束"),
    "supervision_inspection_assigned": _("检查任务派发"),
    "supervision_inspection_targeted": _("定向检查对象加入计划"),
    "supervision_inspector_replaced": _("更换检查人员"),
    "supervision_item_recorded": _("检查事项结果录入"),
    "supervision_result_recorded": _("检查结果录入"),
    "supervision_result_published": _("检查结果公示"),
    "supervision_follow_up_ordered": _("责令后续处理"),
    "supervision_follow_up_closed": _("后续处理完成"),
    "supervision_inspector_added": _("检查人员加入名录"),
    "supervision_inspector_changed": _("检查人员信息变更"),
    "sampling_task_created": _("监督抽查任务下达"),
    "sampling_batch_recorded": _("抽查批次结果录入"),
    "sampling_task_published": _("监督抽查结果公布"),
    # Complaints, reports, cases and risk warnings (cases.services*).
    "cases_complaint_received": _("收到投诉举报"),
    "cases_complaint_accepted": _("投诉举报受理"),
    "cases_complaint_rejected": _("投诉举报不予受理"),
    "cases_complaint_extended": _("举报核查期限延长"),
    "cases_complaint_closed": _("投诉举报办结"),
    "cases_complaint_case_opened": _("投诉举报立案"),
    "cases_complaint_concluded": _("投诉举报随案件办结"),
    "cases_case_opened": _("案件立案"),
    "cases_case_assigned": _("案件分派"),
    "cases_case_noted": _("案件调查记录"),
    "cases_case_decided": _("案件作出决定"),
    "cases_case_closed": _("案件结案"),
    "cases_request_made": _("向认证机构提出要求"),
    "cases_request_answered": _("认证机构答复要求"),
    "cases_request_withdrawn": _("撤回向认证机构的要求"),
    "cases_supervision_item_added": _("列入下次抽查关注对象"),
    "cases_warning_found": _("发现风险预警"),
    "cases_warning_dismissed": _("风险预警排除"),
    "cases_warning_case_opened": _("风险预警立案"),
    "cases_reward_proposed": _("提出举报奖励"),
    "cases_reward_approved": _("批准举报奖励"),
    "cases_reward_refused": _("不予举报奖励"),
    # Targets of the policy texts (stats.services).
    "target_progress_reported": _("责任单位进展报告录入"),
    # Reports for assessment (assessment.services).
    "assessment_report_generated": _("考核报告生成"),
}

# Words the system itself writes into the register (the reason and the signer of the changes
# it makes on its own): stored as written, shown in the reader's language. Reasons and names
# that people give are data and are shown as they were given.
SYSTEM_WORDS: dict[str, Promise] = {
    "有效期届满": _("有效期届满"),
    "未按期接受监督审核": _("未按期接受监督审核"),
    "信息更正": _("信息更正"),
    "系统（到期自动处理）": _("系统（到期自动处理）"),
    "系统（转换异议期满自动处理）": _("系统（转换异议期满自动处理）"),
    "名单期限届满": _("名单期限届满"),
    "公示期届满": _("公示期届满"),
}

# What the log's pages say for an entry of a private kind (transparency.privacy): the log
# holds only a salted commitment, and the page shows no more than the log does.
PRIVATE_RECORD = _("非公开记录（仅承诺值）")


def readable(action: str) -> str:
    """An identifier without a label, in a readable form: `foo_bar_done` -> `Foo bar done`."""
    words = action.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "—"


def action_label(action: str | None) -> str:
    """The words for a history action in the active language."""
    if not action:
        return "—"
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else readable(action)


def recorded(value):
    """A recorded reason or signer in the reader's language when the system wrote it, else as it is."""
    if isinstance(value, str) and value in SYSTEM_WORDS:
        return str(SYSTEM_WORDS[value])
    return value
