"""The message catalogue: every refusal code with its text in English and Simplified Chinese.

Each text says what happened and what to do next. Placeholders are `str.format` fields filled
from the error's params; a missing param renders as `?` rather than failing the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kernel.messages import LANGUAGES, Message, fill, normalise_language, pick

__all__ = [
    "CATALOGUE",
    "HOLDS",
    "LANGUAGES",
    "PROMPTS",
    "TERMS",
    "Message",
    "hold",
    "hold_text",
    "normalise_language",
    "prompt",
    "render",
]

CATALOGUE: dict[str, Message] = {
    # --- scans and barcodes ---
    "unknown_barcode": Message(
        "Barcode {code} is not known here. Check you scanned the right label, or ask a supervisor.",
        "条码 {code} 在本仓库未登记。请确认扫描的是正确的标签，或联系主管。",
    ),
    "bad_check_digit": Message(
        "Barcode {code} has a wrong check digit (expected {expected}). Scan it again or type it.",
        "条码 {code} 校验位错误（应为 {expected}）。请重新扫描或手工输入。",
    ),
    "malformed_barcode": Message(
        "Barcode {code} could not be read: {reason}. Scan it again; if it repeats, report the label.",
        "无法识别条码 {code}：{reason}。请重新扫描；如仍失败，请报告该标签。",
    ),
    "empty_scan": Message(
        "The scan was empty. Scan the barcode again.",
        "扫描内容为空。请重新扫描条码。",
    ),
    "scan_id_reused": Message(
        "Scan id {scan_id} was already used for a different scan. The terminal must make a new id.",
        "扫描编号 {scan_id} 已用于另一次扫描。终端须生成新的编号。",
    ),
    "unexpected_scan": Message(
        "This {kind} barcode ({code}) is not expected now. {expected}",
        "现在不应扫描{kind}条码（{code}）。{expected}",
    ),
    # --- returns ---
    "over_return": Message(
        "Too many returned: order {order_id} shipped {shipped} × {sku} and {returned} are already"
        " returned, so {qty} more cannot be. Nothing was recorded; put the unit aside for the"
        " supervisor.",
        "退货数量超出：订单 {order_id} 发出 {shipped} 件 {sku}，已退回 {returned} 件，不能再退 {qty} 件。"
        "本次未作任何记录；请将该商品放在一旁交主管处理。",
    ),
    "unsupported_photo": Message(
        "A photo must be a JPEG or PNG image; this one was sent as {content_type}. Take the"
        " photo again with the terminal's camera.",
        "照片须为 JPEG 或 PNG 图片；此次发送的类型为 {content_type}。请用终端相机重新拍摄。",
    ),
    "return_not_found": Message(
        "No shipped order or RMA here matches {code}. Scan the packing slip or the order number,"
        " search by name or phone, or scan CMD:UNKNOWN for an unknown sender.",
        "本仓库没有与 {code} 对应的已发货订单或退货授权。请扫描装箱单或订单号，按姓名或电话查找，"
        "或扫描 CMD:UNKNOWN 登记为寄件人不明。",
    ),
    # --- picking ---
    "wrong_location": Message(
        "This is {location}; the item is at {expected}. Go to {expected} and scan its label.",
        "这是 {location}；商品在 {expected}。请前往 {expected} 并扫描库位标签。",
    ),
    "expired_item": Message(
        "Do not pick this {sku}: it expired on {expiry} (today is {today}). Put it aside for the"
        " supervisor and pick an unexpired one; if none is left at {location}, press Short.",
        "请勿拣选此 {sku}：已于 {expiry} 过期（今天是 {today}）。请将其放在一旁交主管处理，"
        "改拣未过期的商品；如 {location} 已无未过期商品，请按“缺货”。",
    ),
    "wrong_item": Message(
        "Wrong item: {sku} is not what is picked here. Put it back and scan {expected} from {location}.",
        "拿错商品：{sku} 不是此处要拣的商品。请放回，并从 {location} 扫描 {expected}。",
    ),
    "item_for_another_order": Message(
        "{sku} belongs to another order of this list, later. Put it back; now scan {expected} from {location}.",
        "{sku} 属于本拣货单的另一个订单（稍后再拣）。请放回；现在请从 {location} 扫描 {expected}。",
    ),
    "over_pick": Message(
        "Too many {sku}: this scan counts {qty}, but only {remaining} more are needed here. "
        "Put the extra back in its bin and scan single units.",
        "{sku} 多拣了：本次扫描计 {qty} 件，但此处只还需要 {remaining} 件。请将多出的放回原库位，并逐件扫描。",
    ),
    "lot_mismatch": Message(
        "Lot {lot} of {sku} is not the one to pick ({expected}). Take lot {expected}.",
        "{sku} 的批次 {lot} 不是要拣的批次（{expected}）。请拿批次 {expected}。",
    ),
    "wrong_tote": Message(
        "Tote {tote} cannot be used here ({reason}). Scan another tote, or the one shown on screen.",
        "周转箱 {tote} 不能在此使用（{reason}）。请扫描另一个周转箱，或屏幕上显示的周转箱。",
    ),
    "scan_each_item": Message(
        "Scan each unit: {remaining} × {sku} still to scan. Completing without scanning is switched off.",
        "请逐件扫描：还需扫描 {remaining} 件 {sku}。未开启免扫描完成。",
    ),
    "order_not_pickable": Message(
        "Order {order_id} cannot go on a pick list now (it is {status}, or already on an open list).",
        "订单 {order_id} 现在不能加入拣货单（状态为 {status}，或已在未完成的拣货单中）。",
    ),
    "quantity_not_allowed": Message(
        "A typed quantity ({quantity}) is not accepted here: scan each unit of an item.",
        "此处不接受手工输入数量（{quantity}）：请逐件扫描商品。",
    ),
    "no_pick_list": Message(
        "Nothing to pick right now. Wait for new orders or ask a supervisor.",
        "当前没有拣货任务。请等待新订单或联系主管。",
    ),
    "waves_off": Message(
        "Waves are off at this site: every released order is picked as it comes. Turn on"
        " waves.enabled to release orders by wave.",
        "本仓未启用波次：已释放的订单按顺序拣货。如需按波次释放，请开启 waves.enabled。",
    ),
    "no_order_wants_item": Message(
        "No picked single-item order is waiting for {sku}: scan the order's tote or packing slip"
        " instead, or put the unit aside for a supervisor.",
        "没有等待 {sku} 的已拣单品订单：请改扫订单的周转箱或装箱单，或将该件交给主管处理。",
    ),
    "wave_released": Message(
        "Wave {wave_id} is already released; its orders are being picked. Refresh the waves list.",
        "波次 {wave_id} 已释放，其订单正在拣货。请刷新波次列表。",
    ),
    # --- carrier handover (交接单) ---
    "handover_bad_container": Message(
        "{container} is not a handover container. Choose one of: {choices}.",
        "{container} 不是交接容器。请选择：{choices}。",
    ),
    "handover_unknown_carrier": Message(
        "Carrier {carrier} is not known here. Choose one of: {choices}.",
        "本仓库没有承运商 {carrier}。请选择：{choices}。",
    ),
    "handover_closed": Message(
        "Handover {handover_id} is closed and its list printed. Open a new bag, cage or truck for more parcels.",
        "交接单 {handover_id} 已关闭并已打印。如还有包裹，请新开一个袋、笼或车。",
    ),
    "handover_unknown_parcel": Message(
        "{code} is no packed parcel here. Scan the waybill's tracking number or the parcel label.",
        "{code} 不是本仓库已打包的包裹。请扫描面单上的运单号或包裹标签。",
    ),
    "handover_parcel_taken": Message(
        "Parcel {tracking_no} is already in handover {handover_id}. Leave it there; undo it there first to move it.",
        "包裹 {tracking_no} 已在交接单 {handover_id} 中。请留在原处；如需移动，请先在原交接单撤销。",
    ),
    "handover_order_held": Message(
        "Parcel {tracking_no} must not leave: order {order_id} is {status}. Put it aside and tell a supervisor.",
        "包裹 {tracking_no} 不能交接：订单 {order_id} 状态为 {status}。请将其放在一边并通知主管。",
    ),
    "handover_not_packed": Message(
        "Parcel {tracking_no} is not packed yet (order {order_id} is {status}). Finish packing it at the bench first.",
        "包裹 {tracking_no} 尚未打包完成（订单 {order_id} 状态为 {status}）。请先在包装台完成打包。",
    ),
    "handover_wrong_carrier": Message(
        "Parcel {tracking_no} goes with {parcel_carrier}, not {carrier}: keep it out of {handover_id} and put it in a {parcel_carrier} bag.",
        "包裹 {tracking_no} 属于 {parcel_carrier}，不是 {carrier}：请勿放入 {handover_id}，放入 {parcel_carrier} 的袋中。",
    ),
    "handover_nothing_to_undo": Message(
        "Handover {handover_id} has no parcel to take out. Scan a parcel first.",
        "交接单 {handover_id} 中没有可撤销的包裹。请先扫描包裹。",
    ),
    "handover_empty": Message(
        "Handover {handover_id} is empty. Scan at least one parcel before closing it.",
        "交接单 {handover_id} 是空的。请至少扫描一个包裹再关闭。",
    ),
    # --- packing ---
    "weight_off": Message(
        "The parcel is {grams} g {way}: {hint} Check the parcel, then weigh it again.",
        "包裹{way} {grams} 克：{hint}请检查包裹后重新称重。",
    ),
    "typed_weight_refused": Message(
        "A weight cannot be typed or scanned here{where}: weigh the parcel on a bench scale.",
        "此处不能手工输入或扫描重量{where}：请在打包台的秤上称重。",
    ),
    "supervisor_needed": Message(
        "A supervisor must confirm this weight ({why}): scan their badge, type their PIN and the reason.",
        "此重量需要主管确认（{why}）：请扫描主管工牌，输入其 PIN 码和原因。",
    ),
    # --- stock ---
    "insufficient_stock": Message(
        "Only {available} of {sku} available at {location}; {requested} requested. "
        "Take what is there or ask a supervisor.",
        "{location} 的 {sku} 仅可用 {available} 件，需要 {requested} 件。请按实际数量处理或联系主管。",
    ),
    "unknown_sku": Message(
        "Item {sku} is not in the catalogue. Check the item number or import it first.",
        "商品 {sku} 不在商品目录中。请核对货号或先导入。",
    ),
    "unknown_location": Message(
        "Location {location} does not exist. Check the label or ask a supervisor.",
        "库位 {location} 不存在。请核对标签或联系主管。",
    ),
    "same_location": Message(
        "Source and destination are both {location}. Scan a different destination.",
        "源库位与目标库位都是 {location}。请扫描另一个目标库位。",
    ),
    "invalid_quantity": Message(
        "Quantity {quantity} is not valid: {reason}.",
        "数量 {quantity} 无效：{reason}。",
    ),
    "count_out_of_range": Message(
        "Found {found} is not possible: {held} × {sku} are held for this count at {location}."
        " Count again and enter 0 to {held}.",
        "找到 {found} 件不合理：{location} 为本次盘点冻结了 {held} 件 {sku}。请重新盘点并输入 0 到 {held}。",
    ),
    "count_task_done": Message(
        "Count task {task_id} at {location} is already done (found {found}). Refresh the open counts.",
        "{location} 的盘点任务 {task_id} 已完成（找到 {found} 件）。请刷新待盘点列表。",
    ),
    "replenish_task_done": Message(
        "Replenishment {task_id} of {location} is already done. Refresh the list.",
        "{location} 的补货任务 {task_id} 已完成。请刷新列表。",
    ),
    "replenish_wrong_face": Message(
        "{scanned} is not the pick face to fill: put the units into {location} and scan it.",
        "{scanned} 不是要补货的拣货位：请把商品放入 {location} 并扫描该库位。",
    ),
    "no_approval_pending": Message(
        "Count task {task_id} has no adjustment waiting for approval (it is {status}). Refresh the"
        " counts in review.",
        "盘点任务 {task_id} 没有待审批的调整（当前为 {status}）。请刷新待审核盘点列表。",
    ),
    "approver_is_counter": Message(
        "The count of task {task_id} needs a second person's approval: the one who counted it"
        " cannot approve it. Ask another supervisor.",
        "盘点任务 {task_id} 需要另一人审批：盘点人不能审批自己的盘点。请另一位主管审批。",
    ),
    "exception_resolved": Message(
        "Exception {exception_id} is already resolved; it takes no more changes. Refresh the"
        " exceptions list.",
        "异常 {exception_id} 已解决，不能再更改。请刷新异常列表。",
    ),
    "board_card_stale": Message(
        "Card {card} changed since your board was loaded (someone moved it, or the floor did)."
        " Nothing was changed: look at the board again and move it once more if still needed.",
        "卡片 {card} 在您打开看板后已变化（他人已移动或现场已处理）。未做任何更改：请刷新看板后如仍需要再移动。",
    ),
    "board_not_a_picker": Message(
        "Operator {operator_id} is a {role}, not a picker: pick work goes to pickers. Drop the"
        " card on a picker.",
        "操作员 {operator_id} 的角色是 {role}，不是拣货员：拣货任务只能分配给拣货员。请拖到拣货员上。",
    ),
    "board_not_assignable": Message(
        "Card {card} is in {column}: only orders to do or being picked, and pick lists, go to a"
        " picker.",
        "卡片 {card} 在「{column}」列：只有待处理或拣货中的订单和拣货单可以分配给拣货员。",
    ),
    "board_list_started": Message(
        "Pick list {list_id} is being picked: its units are already in the picker's totes, so it"
        " stays with them. Ask them to finish it, or short the rest.",
        "拣货单 {list_id} 已开始拣货：商品已在该拣货员的周转箱中，不能改派。请让其拣完，或对剩余商品报缺货。",
    ),
    "board_not_reprioritisable": Message(
        "Card {card} is in {column}: its priority no longer changes anything. Only cards to do,"
        " picking, packing or on hold take a new priority.",
        "卡片 {card} 在「{column}」列：更改优先级已无意义。只有待处理、拣货中、打包中或挂起的卡片可以调整优先级。",
    ),
    "bad_transition": Message(
        "Order {order_id} is {current} and cannot become {target} (allowed next: {allowed}).",
        "订单 {order_id} 当前为 {current}，不能变为 {target}（允许：{allowed}）。",
    ),
    # --- operators, devices, sessions ---
    "not_authenticated": Message(
        "Not logged in. Scan your badge and enter your PIN.",
        "未登录。请扫描工牌并输入 PIN 码。",
    ),
    "session_expired": Message(
        "Your session has expired. Scan your badge and enter your PIN again.",
        "登录已过期。请重新扫描工牌并输入 PIN 码。",
    ),
    "bad_credentials": Message(
        "Badge or PIN not accepted. Try again, or ask a supervisor.",
        "工牌或 PIN 码错误。请重试，或联系主管。",
    ),
    "device_name_needed": Message(
        "Give this device a name (such as HH-07 or BENCH-1 screen) so it can be told apart, then"
        " enrol it.",
        "请为此设备命名（如 HH-07 或 BENCH-1 屏幕）以便区分，然后再注册。",
    ),
    "enrolment_needs_supervisor": Message(
        "Enrolling a device needs a supervisor: their badge and PIN here, or a one-time code"
        " from `warehouse-edge devices enrol-code`.",
        "注册设备需要主管：在此输入主管工牌和 PIN 码，或使用 `warehouse-edge devices enrol-code`"
        " 生成的一次性注册码。",
    ),
    "bad_enrolment_code": Message(
        "This enrolment code is unknown, used or expired. Ask for a new one"
        " (`warehouse-edge devices enrol-code`).",
        "此注册码无效、已使用或已过期。请重新申请（`warehouse-edge devices enrol-code`）。",
    ),
    "too_many_attempts": Message(
        "Too many failed tries from this device or address. Wait {retry_after_s} s and try again,"
        " or ask a supervisor.",
        "此设备或地址失败次数过多。请等待 {retry_after_s} 秒后重试，或联系主管。",
    ),
    "bad_device_credential": Message(
        "This device ({device_id}) did not give its own credential. Enrol it again with a"
        " supervisor.",
        "此设备（{device_id}）未提供其自身凭据。请在主管协助下重新注册该设备。",
    ),
    "operator_locked": Message(
        "Too many wrong PINs: badge {badge} is locked until {until}. Ask a supervisor to unlock it.",
        "PIN 码错误次数过多：工牌 {badge} 已锁定至 {until}。请联系主管解锁。",
    ),
    "unknown_device": Message(
        "This device ({device_id}) is not enrolled. Enrol it from the start screen.",
        "此设备（{device_id}）未注册。请在开始页面注册设备。",
    ),
    "not_assignee": Message(
        "{what} {key} is assigned to someone else. Take your own work, or ask a supervisor to"
        " reassign it.",
        "{what} {key} 已分配给其他人。请处理自己的任务，或请主管重新分配。",
    ),
    "not_authorized": Message(
        "Your role ({role}) may not {action}. Ask a {allowed}.",
        "您的角色（{role}）无权{action}。请联系{allowed}。",
    ),
    "no_work_session": Message(
        "No task is open on this device. Choose a task (pick, pack, returns, move) first.",
        "此设备没有进行中的任务。请先选择任务（拣货、打包、退货、移库）。",
    ),
    "unknown_workflow": Message(
        "There is no task called {workflow}. Choose one of: {choices}.",
        "没有名为 {workflow} 的任务。可选：{choices}。",
    ),
    # --- requests and records ---
    "invalid_request": Message(
        "The request is not valid: {reason}. Correct it and send it again.",
        "请求无效：{reason}。请更正后重新发送。",
    ),
    "not_found": Message(
        "{what} {key} was not found.",
        "未找到{what} {key}。",
    ),
    "duplicate": Message(
        "{what} {key} already exists.",
        "{what} {key} 已存在。",
    ),
    "bad_period": Message(
        "The period {period} cannot be reported. Ask for dates from 2000 to 2100,"
        " the first not after the last, at most 366 days, or an ISO week such as 2026-W48.",
        "无法统计时段 {period}。请选择 2000 至 2100 年间的日期，开始不晚于结束，"
        "最长 366 天，或 ISO 周如 2026-W48。",
    ),
    "backup_of_another_edge": Message(
        "{backup} is a backup of edge {owner}, not of this edge ({edge}). Restore a backup of "
        "{edge}, or set edge.id to {owner} if this machine now is that edge.",
        "{backup} 是边缘服务器 {owner} 的备份，不是本服务器（{edge}）的。请恢复 {edge} 的备份；"
        "如果本机现在就是 {owner}，请把 edge.id 设为 {owner}。",
    ),
    "database_too_new": Message(
        "The database {path} was written by a newer version (migration {migration}) than this "
        "one (warehouse-edge {version}, migrations up to {known}); nothing was changed. Install "
        "that version or a later one, or restore a backup made by this one.",
        "数据库 {path} 由更新的版本写入（迁移 {migration}），而当前版本为 warehouse-edge {version}"
        "（迁移至 {known}）；未做任何更改。请安装该版本或更新的版本，或恢复由当前版本制作的备份。",
    ),
    "database_in_use": Message(
        "The database {path} is in use by warehouse-edge serve (pid {pid}); nothing was "
        "changed. Stop it first (systemctl stop warehouse-edge), then run this again.",
        "数据库 {path} 正被 warehouse-edge serve（进程 {pid}）使用；未做任何更改。请先停止它"
        "（systemctl stop warehouse-edge），再重新运行。",
    ),
    "internal_error": Message(
        "Something went wrong on the edge; nothing was saved. Try again; if it repeats, tell IT "
        "error {error_id}.",
        "边缘服务器内部错误，本次操作未保存。请重试；如反复出现，请把错误编号 {error_id} 告诉 IT。",
    ),
    "quantity_too_large": Message(
        "Quantity {quantity} is more than one command may move here ({limit}). Split it into "
        "smaller steps.",
        "数量 {quantity} 超过单次操作允许的上限（{limit}）。请分多次操作。",
    ),
    "balance_out_of_range": Message(
        "This would take {sku} in {bucket} at {location} past the ledger's limit of {limit} "
        "units; nothing was saved. Check the quantity.",
        "此操作会使 {location} 的 {sku}（{bucket}）超过账本上限 {limit} 件；未保存任何更改。请核对数量。",
    ),
    "method_not_allowed": Message(
        "{method} is not allowed on {path}; use {allowed}.",
        "{path} 不接受 {method} 请求；请使用 {allowed}。",
    ),
    "request_timeout": Message(
        "The request did not arrive whole within {seconds} s (its headers or its body came too"
        " slowly); check the network and send it again.",
        "请求未能在 {seconds} 秒内完整送达（请求头或请求内容来得太慢）；请检查网络后重新发送。",
    ),
    "request_too_large": Message(
        "The request body is larger than the {limit} bytes this edge accepts; send less at a time.",
        "请求内容超过本服务器接受的 {limit} 字节；请分批发送。",
    ),
    "tracking_range_used_up": Message(
        "This edge has used every tracking number of its range ({first}–{last}). "
        "Ask IT to configure the next range.",
        "本服务器的运单号段（{first}–{last}）已用完。请联系 IT 配置新的号段。",
    ),
    "nothing_to_pack": Message(
        "{code} is not a tote or order waiting to be packed. Scan the tote of a picked order.",
        "{code} 不是待打包的周转箱或订单。请扫描已拣货订单的周转箱。",
    ),
    "order_zones_missing": Message(
        "Order {order_id} is not all here: its zones {missing} are still being picked. Set its"
        " totes aside until the rest arrive, or ask a supervisor to let it go short.",
        "订单 {order_id} 尚未到齐：分区 {missing} 仍在拣货。请将已到的周转箱放在一旁等其余到齐，"
        "或请主管允许缺货发运。",
    ),
    "order_not_packable": Message(
        "Order {order_id} cannot be packed now (it is {status}). Ask a supervisor.",
        "订单 {order_id} 现在不能打包（状态为 {status}）。请联系主管。",
    ),
    "order_packed_elsewhere": Message(
        "Order {order_id} was packed meanwhile on another bench or handheld: nothing was recorded"
        " here. Give any of its items you hold to a supervisor, then scan the tote of the next"
        " order.",
        "订单 {order_id} 已在其他包装台或手持终端打包完毕：此处未记录任何操作。如您手上还有该订单的"
        "商品，请交给主管，然后扫描下一个订单的周转箱。",
    ),
    "parcel_not_ready": Message(
        "The parcel of order {order_id} is not ready to close: scan its items first (or DONE to close a full box).",
        "订单 {order_id} 的包裹还不能封箱：请先扫描商品（装满一箱时扫描“完成”）。",
    ),
    "parcel_empty": Message(
        "Nothing is in this parcel yet: scan at least one item of order {order_id} before DONE.",
        "包裹内还没有商品：请先扫描订单 {order_id} 的至少一件商品，再扫描“完成”。",
    ),
    "already_dispatched": Message(
        "Parcel {tracking_no} (order {order_id}) has already left. Put it aside and tell a supervisor.",
        "包裹 {tracking_no}（订单 {order_id}）已出库。请将其放在一边并通知主管。",
    ),
    "no_printer": Message(
        "No label printer is set up for station {station}. Add one under [[printers]], or pack at another bench.",
        "工位 {station} 没有配置标签打印机。请在 [[printers]] 中添加，或到其他打包台打包。",
    ),
    "no_weight": Message(
        "No weight: the scale at {station} has no steady reading. Put the parcel on the scale, wait for it to settle, or type the weight.",
        "没有重量：{station} 的秤没有稳定读数。请把包裹放在秤上等待稳定，或手动输入重量。",
    ),
    "weight_needed": Message(
        "Type the parcel's weight in grams: station {station} has no scale.",
        "请输入包裹重量（克）：工位 {station} 没有秤。",
    ),
    "unknown_package": Message(
        "There is no box called {package}. Choose one of: {choices}.",
        "没有名为 {package} 的包装箱。请从以下选择：{choices}。",
    ),
    "pack_wrong_item": Message(
        "Wrong item: {sku} is not in order {order_id}'s parcel. Keep it out of the box, set it aside"
        " at the bench for the supervisor, and scan the order's items: {expected}.",
        "拿错商品：{sku} 不属于订单 {order_id} 的包裹。请勿装箱，将其放在打包台一旁交主管处理，"
        "然后扫描本订单的商品：{expected}。",
    ),
    "extra_item": Message(
        "One {sku} too many: {done} of {expected} are already scanned. Take this one out of the parcel.",
        "多出一件 {sku}：已扫描 {done}/{expected} 件。请将此件从包裹中取出。",
    ),
    # --- receiving at the dock and putaway (edge/domain/receipt.py, putaway.py) ---
    "asn_not_found": Message(
        "{code} is not a shipping notice (ASN) or an SSCC this edge expects. Check the delivery"
        " papers for the ASN number, or ask a supervisor to import the ASN.",
        "{code} 不是本仓库预期的到货通知（ASN）或 SSCC。请在送货单上核对 ASN 号，或请主管导入该 ASN。",
    ),
    "asn_not_open": Message(
        "ASN {asn_id} is {status}: nothing more can be received against it. Ask a supervisor.",
        "到货通知 {asn_id} 状态为 {status}，不能再按其收货。请联系主管。",
    ),
    "choice_not_allowed": Message(
        "You may not {choice} this {kind} of {sku}. Choose reject or quarantine, or ask a"
        " supervisor to accept it.",
        "您无权对 {sku} 的此项差异（{kind}）执行 {choice}。请选择拒收或隔离，或请主管接收。",
    ),
    "unit_incomplete": Message(
        "The {sku} being received still needs its {missing}. Scan the {missing} barcode on the"
        " same carton, or press Cancel to start the carton again.",
        "正在收货的 {sku} 还缺少{missing}。请扫描同一箱上的{missing}条码，或按“取消”重新扫描该箱。",
    ),
    "putaway_not_found": Message(
        "Nothing waits to be put away from {code}. Scan the container label of goods received at"
        " the dock.",
        "{code} 没有待上架的货物。请扫描收货区已收货物的容器标签。",
    ),
    "storage_full": Message(
        "The edge's disk is full; nothing was saved. Tell IT now; keep the goods where they are.",
        "边缘服务器磁盘已满，本次操作未保存。请立即通知 IT；货物保持原位。",
    ),
}

# Localised names for the values that appear inside messages (barcode kinds, actions).
TERMS: dict[str, Message] = {
    "location": Message("location", "库位"),
    "product": Message("item", "商品"),
    "tote": Message("tote", "周转箱"),
    "container": Message("container", "容器"),
    "order": Message("order", "订单"),
    "tracking": Message("parcel tracking", "运单号"),
    "parcel": Message("parcel", "包裹"),
    "rma": Message("return authorisation", "退货授权"),
    "badge": Message("badge", "工牌"),
    "command": Message("command", "指令"),
    # roles
    "picker": Message("picker", "拣货员"),
    "packer": Message("packer", "打包员"),
    "returns": Message("returns clerk", "退货专员"),
    "supervisor": Message("supervisor", "主管"),
    "admin": Message("admin", "管理员"),
    # actions a role rule guards
    "scan": Message("scan", "扫描"),
    "look_up_stock": Message("look up stock", "查询库存"),
    "change_stock": Message("change stock by hand", "手工调整库存"),
    "read_ledger": Message("read the ledger", "查看库存流水"),
    "start_task": Message("start this task", "开始此任务"),
    "use_session": Message("use this session", "使用此会话"),
    "manage_orders": Message("manage orders", "管理订单"),
    "pick": Message("pick", "拣货"),
    "look_up_orders": Message("look up orders", "查询订单"),
    "look_up_sync": Message("look up the sync with central", "查询与中心的同步状态"),
    # why a tote is refused
    "not_a_tote": Message("not a tote", "不是周转箱"),
    "already_in_list": Message(
        "already used for another order of this list", "已用于本拣货单的另一个订单"
    ),
    "in_use": Message("still holds another order", "仍装有其他订单的商品"),
    "not_this_order": Message("it is not this order's tote", "不是此订单的周转箱"),
    "pick_list": Message("pick list", "拣货单"),
    "put_back": Message("put-back task", "放回任务"),
    "station": Message("station", "工作站"),
    "printer": Message("printer", "打印机"),
    "look_up_printing": Message("look up printers and print jobs", "查询打印机和打印任务"),
    "print": Message("print", "打印"),
    "approve_weight": Message("confirm a weight not taken from the scale", "确认非秤称得的重量"),
    # things that can be missing or duplicated
    "path": Message("path", "路径"),
    "database": Message("database", "数据库"),
    "backup": Message("backup", "备份"),
    "barcode": Message("barcode", "条码"),
    # which way a parcel's weight is off
    "too_light": Message("too light", "轻了"),
    "too_heavy": Message("too heavy", "重了"),
    # why a weight needs a supervisor
    "scale_live": Message("the bench scale is working", "打包台的秤工作正常"),
    "site_rule": Message("this site's rule for typed weights", "本仓库对手工重量的规定"),
    "print_job": Message("print job", "打印任务"),
    "count_task": Message("count task", "盘点任务"),
    # the dock's discrepancies and the choices at a stop
    "over": Message("over-delivery", "多收"),
    "short": Message("short delivery", "短少"),
    "unexpected": Message("unexpected item", "非预期商品"),
    "wrong_lot": Message("wrong lot", "批号不符"),
    "expired": Message("expired", "已过期"),
    "short_shelf_life": Message("short shelf life", "保质期不足"),
    "damaged": Message("damaged", "破损"),
    "accept": Message("accept", "接收"),
    "reject": Message("reject", "拒收"),
    "quarantine": Message("quarantine", "隔离"),
}

# Keys whose values name a term to translate; `allowed` is a list of role terms.
_TERM_KEYS = ("kind", "what", "action", "role", "reason", "way", "why")
_OR = Message(" or ", "或")


# Prompts and confirmations (feedback that is not a refusal).
PROMPTS: dict[str, Message] = {
    "scan_source": Message("Scan the bin to take from.", "请扫描取货库位。"),
    "scan_target": Message(
        "Scan the bin to put into (taking from {source}).", "请扫描放入库位（从 {source} 取货）。"
    ),
    "scan_item": Message(
        "Scan each item to move from {source} to {target}.",
        "请逐件扫描要从 {source} 移到 {target} 的商品。",
    ),
    "handover_scanned": Message(
        "{tracking_no} is in {handover_id} ({carrier}), which now holds parcels: {count}, {weight_kg} kg.",
        "{tracking_no} 已放入 {handover_id}（{carrier}）：共 {count} 件，{weight_kg} 千克。",
    ),
    "item_moved": Message(
        "Moved {qty} × {sku} from {source} to {target}.",
        "已将 {qty} 件 {sku} 从 {source} 移到 {target}。",
    ),
    "move_done": Message("Move finished: {moved} units moved.", "移库完成：共移动 {moved} 件。"),
    "scan_tote": Message(
        "Scan an empty tote for order {slot} of {slots}.",
        "请为第 {slot}/{slots} 个订单扫描一个空周转箱。",
    ),
    "scan_pick_location": Message(
        "Go to {location} and scan its label.", "请前往 {location} 并扫描库位标签。"
    ),
    "scan_pick_item": Message(
        "Scan {sku} at {location}: {remaining} to go, into tote {tote} (slot {slot}).",
        "请在 {location} 扫描 {sku}：还需 {remaining} 件，放入周转箱 {tote}（第 {slot} 格）。",
    ),
    "pick_done": Message(
        "Pick list done. Take the totes to packing.", "拣货单已完成。请将周转箱送往打包台。"
    ),
    "tote_bound": Message("Tote {tote} is slot {slot}.", "周转箱 {tote} 为第 {slot} 格。"),
    "item_picked": Message(
        "Picked {qty} × {sku} into tote {tote} (slot {slot}).",
        "已拣 {qty} 件 {sku}，放入周转箱 {tote}（第 {slot} 格）。",
    ),
    "short_reallocated": Message(
        "Short pick noted: {missing} × {sku} missing at {location}. Frozen for a count: {held} × {sku}"
        " at {location}; the rest there stays free. They will be picked from another bin.",
        "已记录缺货：{location} 缺少 {missing} 件 {sku}。冻结待盘点：{location} 的 {held} 件 {sku}，"
        "其余库存不受影响。将从其他库位补拣。",
    ),
    "short_order_held": Message(
        "Short pick noted: {missing} × {sku} missing at {location}. Frozen for a count: {held} × {sku}"
        " at {location}; the rest there stays free. The order is on hold for a supervisor.",
        "已记录缺货：{location} 缺少 {missing} 件 {sku}。冻结待盘点：{location} 的 {held} 件 {sku}，"
        "其余库存不受影响。订单已挂起，等待主管处理。",
    ),
    "expired_quarantined": Message(
        "Expired on or before {today}: {units} units ({grains} bin lots) moved to quarantine"
        " (frozen{target_text}). Orders allocated again: {orders}. Units left allocated on open pick"
        " lists (the picker is refused them): {left}.",
        "截至 {today} 已过期：{units} 件（{grains} 个库位批次）已转入隔离（冻结{target_text}）。"
        "重新分配的订单：{orders} 个。仍分配在进行中拣货单上的数量（拣货时会被拒绝）：{left} 件。",
    ),
    "replenished": Message(
        "Moved {qty} × {sku} from {source} to the pick face {location}.",
        "已将 {qty} 件 {sku} 从 {source} 补到拣货位 {location}。",
    ),
    "adjustment_awaiting_approval": Message(
        "Adjusting {sku} at {location} by {delta} is over the approval threshold: it waits for"
        " another supervisor's approval (count task {task_id}). Nothing is booked yet.",
        "{location} 的 {sku} 调整 {delta} 件超过审批阈值：需另一位主管审批（盘点任务 {task_id}），"
        "尚未入账。",
    ),
    "count_submitted": Message(
        "Count of {location} recorded (task {task_id}). Thank you: go on to the next count.",
        "{location} 的盘点已提交（任务 {task_id}）。请继续下一个盘点。",
    ),
    "count_approved": Message(
        "Count of {location} (task {task_id}) approved: the adjustment is booked.",
        "{location} 的盘点（任务 {task_id}）已审批：调整已入账。",
    ),
    "count_rejected": Message(
        "Count of {location} (task {task_id}) rejected: the bin is to be counted again.",
        "{location} 的盘点（任务 {task_id}）已驳回：该库位需重新盘点。",
    ),
    "count_resolved": Message(
        "Count at {location}: {found} of the {held} × {sku} held were found and are back in stock;"
        " {written_off} written off.",
        "{location} 盘点：冻结的 {held} 件 {sku} 中找到 {found} 件，已恢复可用；{written_off} 件已核销。",
    ),
    "put_back_done": Message(
        "Put {qty} × {sku} from tote {tote} back into {location}.",
        "已将周转箱 {tote} 中的 {qty} 件 {sku} 放回 {location}。",
    ),
    "scan_pack_order": Message(
        "Scan the tote or the order to pack.", "请扫描要打包的周转箱或订单。"
    ),
    "pack_order_taken": Message(
        "Order {order_id} was packed on another bench or handheld. Scan the tote or the order"
        " to pack next.",
        "订单 {order_id} 已在其他包装台或手持终端打包。请扫描下一个要打包的周转箱或订单。",
    ),
    "scan_pack_item": Message(
        "Scan each item of order {order_id} into the parcel.",
        "请逐件扫描订单 {order_id} 的商品装入包裹。",
    ),
    "pack_item_verified": Message(
        "{qty} × {sku} checked; {left} to go.", "已核对 {qty} 件 {sku}；还剩 {left} 件。"
    ),
    "choose_package": Message(
        "Items checked. Choose the box and weigh the parcel.",
        "商品已核对。请选择包装箱并称重。",
    ),
    "parcel_closed": Message(
        "Parcel {parcel_no} of {pieces} closed: {tracking_no}. The waybill is printing. {left} items to go.",
        "第 {parcel_no}/{pieces} 个包裹已封箱：{tracking_no}。面单正在打印。还剩 {left} 件。",
    ),
    "weight_likely_missing": Message(
        "most likely missing: {qty} × {sku} ({unit_g} g each).",
        "最可能缺少 {qty} 件 {sku}（每件 {unit_g} 克）。",
    ),
    "weight_likely_extra": Message(
        "most likely extra: {qty} × {sku} ({unit_g} g each).",
        "最可能多装了 {qty} 件 {sku}（每件 {unit_g} 克）。",
    ),
    "weight_check_contents": Message(
        "no single item explains it; look for a missing, extra or wrong item.",
        "无法归因于某一件商品；请检查是否缺件、多件或错件。",
    ),
    "scan_dispatch_parcel": Message(
        "Scan each parcel's waybill as it leaves.", "包裹出库时请逐个扫描面单。"
    ),
    "parcel_dispatched": Message(
        "Parcel {tracking_no} of order {order_id} is out; {waiting} of its parcels still to go.",
        "订单 {order_id} 的包裹 {tracking_no} 已出库；还有 {waiting} 个包裹未出库。",
    ),
    "order_dispatched": Message(
        "Parcel {tracking_no} is out: order {order_id} has shipped.",
        "包裹 {tracking_no} 已出库：订单 {order_id} 已发货。",
    ),
    "stock_received": Message(
        "Received {qty} × {sku} into {location}.", "已收货 {qty} 件 {sku} 至 {location}。"
    ),
    "stock_adjusted": Message(
        "Adjusted {sku} at {location} by {delta}.", "已调整 {location} 的 {sku}：{delta}。"
    ),
    "stock_frozen": Message(
        "Put {qty} × {sku} at {location} on hold ({target}).",
        "已冻结 {location} 的 {qty} 件 {sku}（{target}）。",
    ),
    "scan_return_parcel": Message(
        "Scan the return parcel: its label, the RMA or the order number.",
        "请扫描退货包裹：退货面单、退货授权号或订单号。",
    ),
    "identify_return": Message(
        "Parcel {code} matches nothing here. Scan the packing slip or order number, search the"
        " order, or scan CMD:UNKNOWN for an unknown sender.",
        "包裹 {code} 无匹配记录。请扫描装箱单或订单号、查找订单，或扫描 CMD:UNKNOWN 登记为寄件人不明。",
    ),
    "scan_return_item": Message(
        "Parcel {parcel_id}: scan each item; CMD:DONE when the parcel is empty.",
        "包裹 {parcel_id}：请逐件扫描商品；包裹清空后扫描 CMD:DONE。",
    ),
    "grade_return_item": Message(
        "Grade {sku}: resellable, damaged or destroy.", "请为 {sku} 定级：可再售、损坏或销毁。"
    ),
    "return_unexpected": Message(
        "Unexpected return: {code} matches no RMA or shipped order. Identify the order, or scan"
        " CMD:UNKNOWN for an unknown sender.",
        "意外退货：{code} 无对应的退货授权或已发货订单。请确认订单，或扫描 CMD:UNKNOWN 登记为寄件人不明。",
    ),
    "return_opened": Message(
        "Parcel {parcel_id} opened (RMA {rma}, order {order_id}). Scan each item.",
        "包裹 {parcel_id} 已开启（退货授权 {rma}，订单 {order_id}）。请逐件扫描商品。",
    ),
    "return_resumed": Message(
        "Parcel {parcel_id} (RMA {rma}, order {order_id}) is still open: carry on with it, no"
        " new parcel. Scan its next item, or DONE to close it.",
        "包裹 {parcel_id}（退货授权 {rma}，订单 {order_id}）仍未关闭：继续处理此包裹，不另开新包裹。"
        "请扫描下一件商品，或扫描完成以关闭。",
    ),
    "return_opened_unknown": Message(
        "Parcel {parcel_id} from an unknown sender: every item goes to quarantine. Scan each item.",
        "包裹 {parcel_id} 寄件人不明：所有商品将转入隔离区。请逐件扫描商品。",
    ),
    "return_wrong_item": Message(
        "Wrong item: {sku} is not on this return. Grade it; it goes to quarantine, flagged.",
        "错误商品：{sku} 不在本次退货中。请定级；该商品将转入隔离区并标记。",
    ),
    "return_lot_not_shipped": Message(
        "Lot {lot} / serial {serial} of {sku} was not shipped on this order: flagged. Grade it.",
        "{sku} 的批次 {lot} / 序列号 {serial} 并非本订单发出：已标记。请定级。",
    ),
    "return_resellable": Message(
        "{qty} × {sku} resellable: in stock at {location}.",
        "{qty} 件 {sku} 可再售：已入库至 {location}。",
    ),
    "return_quarantined": Message(
        "{qty} × {sku} to quarantine at {location}.", "{qty} 件 {sku} 已转入 {location} 隔离区。"
    ),
    "return_destroy": Message(
        "{qty} × {sku} written off: {reason}.", "{qty} 件 {sku} 已报废核销：{reason}。"
    ),
    "return_closed": Message(
        "Parcel {parcel_id} closed: {units} units graded, {missing} missing.",
        "包裹 {parcel_id} 已关闭：已定级 {units} 件，缺少 {missing} 件。",
    ),
    "return_announced": Message(
        "Return {rma}: {qty} × {sku} on its way back.", "退货 {rma}：{qty} 件 {sku} 正在退回途中。"
    ),
    "return_withdrawn": Message(
        "Return {rma} cancelled: {qty} × {sku} no longer expected.",
        "退货 {rma} 已取消：不再等待 {qty} 件 {sku} 退回。",
    ),
    "stock_moved": Message(
        "Moved {qty} × {sku} from {source} to {target}.",
        "已将 {qty} 件 {sku} 从 {source} 移到 {target}。",
    ),
    # --- the dock ---
    "scan_asn": Message(
        "Scan the delivery's ASN number or a pallet's SSCC.", "请扫描到货通知（ASN）号或托盘 SSCC。"
    ),
    "scan_receipt_item": Message(
        "ASN {asn_id}: scan the next carton or item (or Done to close the ASN).",
        "到货通知 {asn_id}：请扫描下一箱或下一件（或按“完成”关闭该通知）。",
    ),
    "scan_lot": Message("Scan the lot barcode of this {sku}.", "请扫描此 {sku} 的批号条码。"),
    "scan_expiry": Message(
        "Scan the expiry date barcode of this {sku}.", "请扫描此 {sku} 的有效期条码。"
    ),
    "scan_damaged_unit": Message(
        "Marked damaged: scan the damaged carton or item.", "已标记破损：请扫描破损的箱或件。"
    ),
    "unit_received": Message(
        "Received {qty} × {sku} into {location} ({container}).",
        "已收货 {qty} 件 {sku}，放入 {location}（{container}）。",
    ),
    "container_received": Message(
        "Received the whole of {sscc}: {qty} units.", "已整托收货 {sscc}：共 {qty} 件。"
    ),
    "dock_over": Message(
        "Stop: {qty} × {sku} more than the ASN expects. Choose: {choices}.",
        "停止：{sku} 比到货通知多出 {qty} 件。请选择：{choices}。",
    ),
    "dock_unexpected": Message(
        "Stop: {sku} is not on this ASN ({qty} units). Choose: {choices}.",
        "停止：{sku} 不在此到货通知上（{qty} 件）。请选择：{choices}。",
    ),
    "dock_wrong_lot": Message(
        "Stop: {sku} lot {lot} is not the lot expected ({expected_lot}). Choose: {choices}.",
        "停止：{sku} 批号 {lot} 不是预期批号（{expected_lot}）。请选择：{choices}。",
    ),
    "dock_expired": Message(
        "Stop: {sku} lot {lot} expired on {expiry}. It must not be put away. Choose: {choices}.",
        "停止：{sku} 批号 {lot} 已于 {expiry} 过期，不得上架。请选择：{choices}。",
    ),
    "dock_short_shelf_life": Message(
        "Stop: {sku} lot {lot} expires on {expiry}, too soon for this product. Choose: {choices}.",
        "停止：{sku} 批号 {lot} 于 {expiry} 到期，剩余保质期不足。请选择：{choices}。",
    ),
    "dock_damaged": Message(
        "Stop: {qty} × {sku} damaged. Choose: {choices}.",
        "停止：{qty} 件 {sku} 破损。请选择：{choices}。",
    ),
    "dock_short": Message("{qty} × {sku} short on the ASN.", "到货通知上 {sku} 短少 {qty} 件。"),
    "dock_accepted": Message(
        "Accepted {qty} × {sku} ({kind}); recorded.", "已接收 {qty} 件 {sku}（{kind}），已记录。"
    ),
    "dock_rejected": Message(
        "Rejected {qty} × {sku} ({kind}); recorded. Set the goods aside for the supplier.",
        "已拒收 {qty} 件 {sku}（{kind}），已记录。请将货物放在一旁退回供应商。",
    ),
    "dock_quarantined": Message(
        "Quarantined {qty} × {sku} ({kind}); recorded. Take the goods to quarantine.",
        "已隔离 {qty} 件 {sku}（{kind}），已记录。请将货物送到隔离区。",
    ),
    "asn_received": Message(
        "ASN {asn_id} closed: {units} units received, {short} short. Scan the next ASN.",
        "到货通知 {asn_id} 已关闭：收货 {units} 件，短少 {short} 件。请扫描下一个到货通知。",
    ),
    "scan_putaway_container": Message(
        "Scan a received container (or item) at the dock to put it away.",
        "请扫描收货区已收货的容器（或商品）进行上架。",
    ),
    "scan_putaway_bin": Message(
        "Put {qty} × {sku} from {container} into {suggested}: scan the bin.",
        "将 {container} 中的 {qty} 件 {sku} 放入 {suggested}：请扫描库位。",
    ),
    "put_away": Message(
        "Put away {qty} × {sku} into {location}.", "已将 {qty} 件 {sku} 上架到 {location}。"
    ),
    "put_away_elsewhere": Message(
        "Put away {qty} × {sku} into {location} (suggested {suggested}); recorded.",
        "已将 {qty} 件 {sku} 上架到 {location}（建议库位 {suggested}），已记录。",
    ),
}


def _localise(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Translate the values that name things (a barcode kind, a nested prompt)."""
    values = dict(params)
    for key in _TERM_KEYS:
        if isinstance(values.get(key), str) and values[key] in TERMS:
            values[key] = pick(TERMS[values[key]], lang)
    if isinstance(values.get("allowed"), list | tuple):
        names = [pick(TERMS[r], lang) if r in TERMS else str(r) for r in values["allowed"]]
        values["allowed"] = pick(_OR, lang).join(names)
    if values.get("expected_prompt") in PROMPTS:
        values["expected"] = prompt(values["expected_prompt"], lang, params)
    if values.get("hint_prompt") in PROMPTS:
        values["hint"] = prompt(values["hint_prompt"], lang, params)
    return values


def render(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """Fill the catalogue text for `code` in `lang` with `params`."""
    return fill(CATALOGUE[code], lang, _localise(params, lang))


def prompt(key: str, lang: str, params: Mapping[str, Any]) -> str:
    """Fill a prompt or confirmation text in `lang` (a stop's `kind` and `choices` translated)."""
    values = dict(params)
    if isinstance(values.get("choices"), list | tuple):
        names = [pick(TERMS[c], lang) if c in TERMS else str(c) for c in values["choices"]]
        values["choices"] = pick(_OR, lang).join(names)
    if key.startswith("dock_") and values.get("kind") in TERMS:
        values["kind"] = pick(TERMS[values["kind"]], lang)
    return fill(PROMPTS[key], lang, values)


# --- why an order is on hold: a code with its params, said in the reader's language (the
# board); the change's free-text reason stays beside it as the note ---
HOLDS: dict[str, Message] = {
    "short_pick": Message(
        "Short pick: {sku} at {location}. Count the bin, then allocate the order again.",
        "拣货短缺：{location} 的 {sku}。请盘点该库位，然后重新分配此订单。",
    ),
    "insufficient_stock": Message(
        "Not enough stock: {lines}. Receive or move stock in, then allocate the order again.",
        "库存不足：{lines}。请收货或调入库存，然后重新分配此订单。",
    ),
    "restored": Message(
        "Restored from backup {backup}: central holds this order {was} from this edge's own"
        " events. Check its tote, then release or cancel it.",
        "已从备份 {backup} 恢复：根据本边缘服务器自己的事件，中心记录此订单为 {was}。"
        "请检查其周转箱，然后放行或取消。",
    ),
}
_SHORT_LINE = Message(
    "{sku}: need {needed}, {free} free", "{sku}：需要 {needed} 件，可用 {free} 件"
)
_SHORT_LINE_DATED = Message(
    "{sku}: need {needed}, {free} free ({dated} more expired or too short-dated)",
    "{sku}：需要 {needed} 件，可用 {free} 件（另有 {dated} 件已过期或效期不足）",
)
_LIST_JOIN = Message("; ", "；")


def hold(code: str, **params: Any) -> tuple[str, str]:
    """A hold's (code, params as JSON) for `change_status(..., hold=...)`."""
    assert code in HOLDS, code
    return code, json.dumps(params, ensure_ascii=False, sort_keys=True)


def hold_text(code: str, params_json: str) -> dict[str, str] | None:
    """A hold's text in every language, or None for a hold with no code (an older one)."""
    if code not in HOLDS:
        return None
    params = json.loads(params_json or "{}")
    out = {}
    for lang in LANGUAGES:
        values = dict(params)
        if isinstance(values.get("lines"), list):
            said = [
                fill(_SHORT_LINE_DATED if ln.get("dated") else _SHORT_LINE, lang, ln)
                for ln in values["lines"]
            ]
            values["lines"] = pick(_LIST_JOIN, lang).join(said)
        out[lang] = fill(HOLDS[code], lang, values)
    return out
